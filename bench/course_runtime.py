"""What one student's six notebooks cost: each reference notebook's run time, and the total.

Every reference submission is executed with nbclient as autograde executes it: the
release with the reference solutions filled in, in its own folder, by the course's
kernel with the course's BLAS threads (``kernel_threads``), one notebook at a time.
Prints one line per notebook and, as the last line, the total against the goal.

    .venv/bin/python bench/course_runtime.py [ASSIGNMENT ...]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from dlgrader import nbgrader_app, scenarios
from dlgrader.course import Course

GOAL_SECONDS = 180


def notebook_seconds(course: Course, assignment: str, workdir: Path) -> float:
    """Wall time of running the reference submission of ``assignment``, in seconds."""
    folder = workdir / assignment
    shutil.copytree(course.release_dir / assignment, folder)
    nb = scenarios.submission(assignment, release_dir=course.release_dir)
    nbformat.write(nb, folder / f"{assignment}.ipynb")
    started = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    return time.perf_counter() - started


def main() -> None:
    course = Course.load()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", default=course.assignments())
    args = parser.parse_args()
    nbgrader_app.config(course)  # the kernels' environment, as on a grading worker
    seconds = {}
    with tempfile.TemporaryDirectory() as tmp:
        for assignment in args.assignments:
            seconds[assignment] = notebook_seconds(course, assignment, Path(tmp))
            print(f"{assignment}: {seconds[assignment]:.1f} s", flush=True)
    total = sum(seconds.values())
    print(f"course_runtime: {len(seconds)} reference notebooks in {total:.0f} s on "
          f"{course.kernel_threads} BLAS thread(s) (goal <= {GOAL_SECONDS} s for all six)")


if __name__ == "__main__":
    main()
