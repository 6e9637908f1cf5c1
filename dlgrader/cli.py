"""The instructor's command line: ``python -m dlcourse.cli <command> [assignment ...]``.

- ``release``: regenerate ``release/`` from ``source/`` for every assignment.
- ``grade``: grade every new or changed submission in ``submitted/`` on the grading
  engine, write the HTML feedback and ``grades.csv``, and print the score table; exits
  1 when a submission failed.
- ``feedback``: write the feedback pages of every graded submission again, from the
  gradebook as it stands (after hand grading, say); grading writes them once already.
- ``demo``: the same on the bundled example submissions (the reference solution, the
  unchanged release, and the example students of ``grader_tests/scenarios/``).
- ``course-map``: the README's table of assignments and points.
- ``report``: the class report (`dlgrader.class_report`), one offline HTML page
  (``--output``, default ``class_report.html`` at the course root): per assignment the
  score distribution, each test cell's failure rate, discrimination and most common
  failure messages, hand-grading progress, and the failed, missing and flagged
  submissions.
- ``mutate``: mutation testing of each assignment's tests (`dlgrader.mutants`): the kill
  rate per solution cell and every surviving mutant as a diff; exits 1 when an
  assignment's kill rate is below ``--min-kill-rate``.
- ``bundle``: the student bundle (`dlgrader.bundle`), written to ``--output`` (default
  ``bundle/`` at the course root): the release notebooks, the data, the student-side
  library with its own pyproject.toml, exactly pinned requirements and a README; no
  ``source/``, no grader.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path

from distributed import as_completed
from tqdm.auto import tqdm

from dlgrader import (
    bundle,
    class_report,
    engine,
    gradebook,
    mathjax,
    mutants,
    nbgrader_app,
    notebooks,
    report,
    scenarios,
)
from dlgrader.course import ROOT, Course
from dlgrader.gradebook import FAILED, GRADED
from dlgrader.submissions import find_submissions, submit

DEMO_PREFIX = "example-"
# Modules a release carries that are generated from an earlier assignment's reference:
# (assignment, file name) -> the assignment whose reference solution it holds.
GENERATED_MODULES = {("hw3_classifiers", "layers.py"): "hw2_layers"}


def write_generated_modules(course: Course, assignment: str) -> None:
    """Writes the modules that ``assignment`` builds on into its source folder.

    nbgrader copies files beside a source notebook into the release, and autograde puts
    them back beside every submission.
    """
    for (target, file_name), origin in GENERATED_MODULES.items():
        if target == assignment:
            path = course.source_dir / target / file_name
            path.write_text(notebooks.reference_module(origin, course.source_dir))


def release(course: Course, assignments: Iterable[str]) -> None:
    """Regenerates the student version of each assignment."""
    for assignment in assignments:
        print(f"release: {assignment}", flush=True)
        write_generated_modules(course, assignment)
        nbgrader_app.generate_assignment(course, assignment)


def submit_examples(course: Course, assignment: str) -> list[str]:
    """Writes the example submissions of one assignment to ``submitted/``.

    Returns:
        The student ids written.
    """
    catalogue = scenarios.load(assignment)
    examples = {
        "reference": scenarios.submission(assignment, release_dir=course.release_dir),
        "blank": notebooks.read(notebooks.notebook_path(assignment, course.release_dir)),
    }
    for student in catalogue.students.values():
        examples[student.name] = scenarios.student_submission(catalogue, student,
                                                              course.release_dir)
    for name, nb in examples.items():
        submit(course, DEMO_PREFIX + name, assignment, nb)
    return [DEMO_PREFIX + name for name in examples]


def grade(course: Course, assignments: list[str], force: bool = False) -> int:
    """Grades what is new, writes grades.csv, prints the table; returns the exit status."""
    submissions = find_submissions(course, assignments)
    engine.prepare(course, submissions)
    todo = engine.pending(course, submissions, force)
    where = (f"the Dask cluster at {course.scheduler}" if course.scheduler
             else f"{course.workers or 'one per core'} local worker(s)")
    print(f"grading {len(todo)} of {len(submissions)} submission(s) on {where}; "
          f"{len(submissions) - len(todo)} unchanged since graded", flush=True)
    engine.run(course, todo)
    if course.feedback:
        mathjax.install(course.feedback_dir)  # the feedback pages' formulas, offline
    standing = report.write_grades(course, assignments)
    print()
    print(report.score_table(course, assignments))
    print(f"\ngrades: {course.grades_csv.name}; feedback: feedback/<student>/<assignment>/",
          flush=True)
    return 1 if any(line.status == FAILED for line in standing) else 0


def feedback(course: Course, assignments: list[str]) -> int:
    """Rewrites the feedback page of every graded submission of ``assignments``."""
    graded = sorted(key for key, result in gradebook.results(course).items()
                    if result.status == GRADED and key[1] in assignments)
    for student, assignment in tqdm(graded, desc="feedback", unit="submission"):
        nbgrader_app.generate_feedback(course, course.root, student, assignment)
    mathjax.install(course.feedback_dir)
    print(f"feedback: {len(graded)} page(s) in feedback/<student>/<assignment>/", flush=True)
    return 0


def write_class_report(course: Course, assignments: list[str],
                       output: Path | None = None) -> int:
    """Writes the class report of ``assignments`` from the gradebook as it stands."""
    path = class_report.write(course, assignments, output)
    print(f"class report: {path}", flush=True)
    return 0


def course_map(course: Course, assignments: Iterable[str]) -> str:
    """The README's course map: points per assignment, by machine and by hand."""
    lines = [
        "| assignment | what it covers | autograded points | hand-graded points | bugs caught |",
        "|---|---|---|---|---|",
    ]
    for assignment in assignments:
        nb = notebooks.read(notebooks.notebook_path(assignment, course.source_dir))
        title = next(
            (c.source.splitlines()[0].lstrip("# ") for c in nb.cells if c.cell_type == "markdown"),
            assignment,
        )
        auto = sum(c.metadata["nbgrader"]["points"] for c in nb.cells if notebooks.is_test(c))
        by_hand = sum(
            c.metadata["nbgrader"].get("points", 0)
            for c in nb.cells
            if notebooks.is_solution(c) and c.metadata["nbgrader"].get("grade")
        )
        num_bugs = len(scenarios.load(assignment).bugs)
        lines.append(f"| `{assignment}` | {title} | {auto:g} | {by_hand:g} | {num_bugs} |")
    return "\n".join(lines)


def mutate(course: Course, assignments: list[str], min_kill_rate: float = 0.0) -> int:
    """Mutation testing, one engine task per assignment; prints each report as it comes
    and a summary; returns 1 if an assignment's kill rate is below ``min_kill_rate``."""
    rates = {}
    with engine.connect(course) as client:
        futures = {client.submit(mutants.run_in_subprocess, course.source_dir, assignment,
                                 course.kernel_threads, pure=False): assignment
                   for assignment in assignments}
        for future in tqdm(as_completed(futures), total=len(futures), desc="mutate",
                           unit="assignment"):
            assignment = futures[future]
            outcomes = future.result()
            equivalents = mutants.load_equivalents(assignment)
            rates[assignment] = mutants.kill_rate(outcomes, equivalents)
            tqdm.write(mutants.report(assignment, outcomes, equivalents) + "\n")
    print("| assignment | kill rate |\n|---|---|")
    for assignment in assignments:
        print(f"| `{assignment}` | {rates[assignment]:.1%} |")
    return 1 if min(rates.values()) < min_kill_rate else 0


def demo(course: Course, assignments: list[str]) -> int:
    """Release, submit the examples, grade them and print the score table."""
    release(course, assignments)
    for old_example in course.submitted_dir.glob(DEMO_PREFIX + "*"):
        shutil.rmtree(old_example)  # real students' submissions are left alone
    for assignment in assignments:
        students = submit_examples(course, assignment)
        print(f"submitted: {assignment}: {', '.join(students)}", flush=True)
    return grade(course, assignments)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dlcourse", description=__doc__.splitlines()[0])
    parser.add_argument("command",
                        choices=["release", "grade", "feedback", "demo", "course-map", "mutate",
                                 "report", "bundle"])
    parser.add_argument(
        "assignments", nargs="*", help="assignment ids (default: every folder of source/)"
    )
    parser.add_argument("--course-dir", type=Path, default=ROOT, metavar="PATH",
                        help="the nbgrader course directory (default: this repository)")
    engine_options = parser.add_argument_group("grading engine (grade, demo, mutate)")
    engine_options.add_argument("--workers", type=int, metavar="N",
                                help="local worker processes (default: one per core)")
    engine_options.add_argument("--scheduler", metavar="ADDRESS",
                                help="grade on the Dask cluster of this scheduler")
    engine_options.add_argument("--no-sandbox", dest="sandbox", action="store_false",
                                default=None, help="run student kernels without the sandbox")
    engine_options.add_argument("--force", action="store_true",
                                help="regrade every submission, not only new ones")
    parser.add_argument("--min-kill-rate", type=float, default=0.0, metavar="RATE",
                        help="mutate: exit 1 when an assignment's kill rate is below RATE")
    parser.add_argument("--output", "-o", type=Path, metavar="PATH",
                        help="report: the page to write (default: class_report.html in the "
                             "course directory); bundle: the folder to write (default: "
                             "bundle/ in the course directory)")
    args = parser.parse_args(argv)
    course = Course.load(args.course_dir, workers=args.workers, scheduler=args.scheduler,
                         sandbox=args.sandbox)
    assignments = args.assignments or course.assignments()
    unknown = sorted(set(assignments) - set(course.assignments()))
    if unknown:
        parser.error(f"no such assignment in source/: {', '.join(unknown)}")
    try:
        if args.command == "release":
            release(course, assignments)
        elif args.command == "grade":
            return grade(course, assignments, force=args.force)
        elif args.command == "feedback":
            return feedback(course, assignments)
        elif args.command == "course-map":
            print(course_map(course, assignments))
        elif args.command == "mutate":
            return mutate(course, assignments, args.min_kill_rate)
        elif args.command == "bundle":
            written = bundle.write(course, assignments, args.output or course.root / "bundle")
            print(f"bundle: {written.out}: {len(written.assignments)} assignment(s), "
                  f"{len(written.pins)} pinned package(s)")
        elif args.command == "report":
            return write_class_report(course, assignments, args.output)
        else:
            return demo(course, assignments)
    except nbgrader_app.NbgraderError as error:
        print(f"{error}\n{error.log[-3000:]}", file=sys.stderr)
        return 2
    except (OSError, engine.SandboxUnavailable, bundle.BundleError) as error:
        # no scheduler there, say, or a bundle that cannot be written
        print(f"dlcourse: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
