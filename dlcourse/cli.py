"""The instructor's command line: ``python -m dlcourse.cli <command> [assignment ...]``.

- ``release``: regenerate ``release/`` from ``source/`` for every assignment.
- ``grade``: autograde every submission in ``submitted/``, write the HTML feedback and
  ``grades.csv``, and print the score table.
- ``demo``: the same on the bundled example submissions (the reference solution, the
  unchanged release, and the example students of ``grader_tests/scenarios/``).
- ``course-map``: the README's table of assignments and points.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path

from dlcourse import grading, notebooks, scenarios

DEMO_PREFIX = "example-"
# Modules a release carries that are generated from an earlier assignment's reference:
# (assignment, file name) -> the assignment whose reference solution it holds.
GENERATED_MODULES = {("hw3_classifiers", "layers.py"): "hw2_layers"}
GRADES_CSV = "grades.csv"


def write_generated_modules(assignment: str) -> None:
    """Writes the modules that ``assignment`` builds on into its source folder.

    nbgrader copies files beside a source notebook into the release, and autograde puts
    them back beside every submission.
    """
    for (target, file_name), origin in GENERATED_MODULES.items():
        if target == assignment:
            path = notebooks.SOURCE_DIR / target / file_name
            path.write_text(notebooks.reference_module(origin))


def release(course_dir: Path, assignments: Iterable[str]) -> None:
    """Regenerates the student version of each assignment."""
    for assignment in assignments:
        print(f"release: {assignment}", flush=True)
        write_generated_modules(assignment)
        grading.generate_release(course_dir, assignment)


def submit_examples(course_dir: Path, assignment: str) -> list[str]:
    """Writes the example submissions of one assignment to ``submitted/``.

    Returns:
        The student ids written.
    """
    catalogue = scenarios.load(assignment)
    release_dir = course_dir / "release"
    examples = {
        "reference": scenarios.submission(assignment, release_dir=release_dir),
        "blank": notebooks.read(notebooks.notebook_path(assignment, release_dir)),
    }
    for student in catalogue.students.values():
        examples[student.name] = scenarios.student_submission(catalogue, student, release_dir)
    for name, nb in examples.items():
        grading.submit(course_dir, assignment, DEMO_PREFIX + name, nb)
    return [DEMO_PREFIX + name for name in examples]


def grade(course_dir: Path, assignments: Iterable[str]) -> None:
    """Autogrades, writes feedback and exports grades for every submitted assignment."""
    for assignment in assignments:
        if not list((course_dir / "submitted").glob(f"*/{assignment}")):
            continue
        print(f"autograde: {assignment}", flush=True)
        grading.autograde(course_dir, assignment)
        print(f"feedback:  {assignment}", flush=True)
        grading.generate_feedback(course_dir, assignment)
    grading.export_grades(course_dir, course_dir / GRADES_CSV)
    print(f"grades:    {GRADES_CSV}; feedback: feedback/<student>/<assignment>/", flush=True)


def score_table(course_dir: Path, assignments: Iterable[str]) -> str:
    """The gradebook as a table: one row per student, one column per assignment.

    A cell reads ``score / max``, followed by ``(+N by hand)`` when written answers worth
    N points wait for manual grading in formgrader.
    """
    assignments = list(assignments)
    cells: dict[tuple[str, str], str] = {}
    for assignment in assignments:
        for student, scores in grading.cell_scores(course_dir, assignment).items():
            total = sum(s.score for s in scores.values())
            maximum = sum(s.max_score for s in scores.values())
            pending = sum(s.max_score for s in scores.values() if s.needs_manual_grade)
            text = f"{total:g} / {maximum:g}"
            cells[student, assignment] = text + (f" (+{pending:g} by hand)" if pending else "")
    students = sorted({student for student, _ in cells})
    header = ["student", *assignments]
    body = [[student, *(cells.get((student, a), "-") for a in assignments)] for student in students]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    lines = [
        "  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip()
        for line in [header, *body]
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def course_map(assignments: Iterable[str]) -> str:
    """The README's course map: points per assignment, by machine and by hand."""
    lines = [
        "| assignment | what it covers | autograded points | hand-graded points | bugs caught |",
        "|---|---|---|---|---|",
    ]
    for assignment in assignments:
        nb = notebooks.read(notebooks.notebook_path(assignment))
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


def demo(course_dir: Path, assignments: list[str]) -> None:
    """Release, submit the examples, grade them and print the score table."""
    release(course_dir, assignments)
    for old_example in (course_dir / "submitted").glob(DEMO_PREFIX + "*"):
        shutil.rmtree(old_example)  # real students' submissions are left alone
    for assignment in assignments:
        students = submit_examples(course_dir, assignment)
        print(f"submitted: {assignment}: {', '.join(students)}", flush=True)
    grade(course_dir, assignments)
    print()
    print(score_table(course_dir, assignments))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dlcourse", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["release", "grade", "demo", "course-map"])
    parser.add_argument(
        "assignments", nargs="*", help="assignment ids (default: every folder of source/)"
    )
    args = parser.parse_args(argv)
    assignments = args.assignments or notebooks.assignments()
    unknown = sorted(set(assignments) - set(notebooks.assignments()))
    if unknown:
        parser.error(f"no such assignment in source/: {', '.join(unknown)}")
    course_dir = notebooks.ROOT
    try:
        if args.command == "release":
            release(course_dir, assignments)
        elif args.command == "grade":
            grade(course_dir, assignments)
            print(score_table(course_dir, assignments))
        elif args.command == "course-map":
            print(course_map(assignments))
        else:
            demo(course_dir, assignments)
    except grading.NbgraderError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
