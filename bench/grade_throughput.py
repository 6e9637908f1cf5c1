"""Grading throughput of the engine: the same submissions with 1 and with 2 workers.

Every kernel runs in the sandbox, with canaries, as ``grade`` runs it.

Grades N copies of an assignment's reference submission (default: 6 of hw2_layers) in a
fresh course directory, once on a local cluster of one worker and once of two, each
timed from the first task to the last result (the cluster is started, and its workers
warmed up by one submission, before the clock starts). The notebook's own run time is
measured by executing the notebook autograde runs (the source, hidden tests included)
with nbclient in this process. Prints submissions per hour, the efficiency (speed-up /
workers) and the cost per submission beyond the notebook's own run.

    .venv/bin/python bench/grade_throughput.py [--submissions N] [--assignment ID]
                                               [--no-feedback]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from nbclient import NotebookClient

from dlgrader import engine, nbgrader_app, notebooks, scenarios
from dlgrader.course import ROOT, Course
from dlgrader.submissions import find_submissions, submit


def make_course(root: Path, assignment: str, students: int, workers: int,
                feedback: bool = True) -> Course:
    """A course with ``students`` copies of the reference submission of ``assignment``."""
    shutil.copytree(ROOT / "source" / assignment, root / "source" / assignment)
    shutil.copy(ROOT / "nbgrader_config.py", root)
    course = Course.load(root, workers=workers, db_url="sqlite:///gradebook.db",
                         feedback=feedback)
    nbgrader_app.generate_assignment(course, assignment)
    reference = scenarios.submission(assignment, release_dir=course.release_dir)
    for i in range(students):
        submit(course, f"student{i:03d}", assignment, reference)
    return course


def notebook_seconds(course: Course, assignment: str, runs: int = 2) -> float:
    """Median wall time of executing the notebook that autograde runs for the reference
    submission, in seconds: the source notebook, whose hidden tests autograde restores."""
    path = course.source_dir / assignment / f"{assignment}.ipynb"
    nbgrader_app.config(course)  # the same kernel environment as the workers
    times = []
    for _ in range(runs):
        nb = notebooks.read(path)
        started = time.perf_counter()
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def graded_seconds(course: Course, assignment: str) -> float:
    """Wall time of grading every submission on a warmed-up local cluster, in seconds."""
    submissions = find_submissions(course, [assignment])
    engine.prepare(course, submissions)
    with engine.connect(course) as client:
        client.wait_for_workers(course.workers)
        warm_up = submissions[: course.workers]
        engine.run(course, warm_up, progress=False, client=client)  # imports, first kernel
        started = time.perf_counter()
        results = engine.run(course, submissions, progress=False, client=client)
        seconds = time.perf_counter() - started
    failed = [r for r in results if r.status != "graded"]
    if failed:
        raise SystemExit(f"grading failed: {failed[0]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=6)
    parser.add_argument("--assignment", default="hw2_layers")
    parser.add_argument("--no-feedback", dest="feedback", action="store_false",
                        help="grade without writing feedback pages")
    args = parser.parse_args()
    n = args.submissions
    with tempfile.TemporaryDirectory() as tmp:
        timings = {}
        for workers in (1, 2):
            course = make_course(Path(tmp) / f"w{workers}", args.assignment, n, workers,
                                 args.feedback)
            if workers == 1:
                own = notebook_seconds(course, args.assignment)
                print(f"notebook alone: {own:.1f} s", flush=True)
            timings[workers] = graded_seconds(course, args.assignment)
            print(f"{workers} worker(s): {n} submissions in {timings[workers]:.1f} s", flush=True)
    speedup = timings[1] / timings[2]
    overhead = timings[1] / n - own
    what = "with" if args.feedback else "without"
    print(f"grade_throughput: {args.assignment} x{n} {what} feedback, sandboxed: "
          f"{3600 * n / timings[2]:.0f} submissions/h "
          f"at 2 workers; efficiency {speedup / 2:.2f} (goal >= 0.8); overhead "
          f"{overhead:.1f} s per submission beyond the notebook's {own:.1f} s (goal <= 2 s)")


if __name__ == "__main__":
    main()
