"""Submissions: ``submitted/<student>/<assignment>/``, as nbgrader lays them out.

A submission is identified by a digest of its notebooks and of the assignment's tests,
so that the engine can tell what it has graded already from what is new.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import nbformat

from dlgrader.course import Course


@dataclass(frozen=True)
class Submission:
    """A submitted assignment: ``submitted/<student>/<assignment>/``."""

    student: str
    assignment: str
    digest: str


def expected_notebooks(course: Course, assignment: str) -> list[str]:
    """The notebook file names of an assignment, as released."""
    return sorted(path.name for path in (course.release_dir / assignment).glob("*.ipynb"))


def digest(course: Course, student: str, assignment: str) -> str:
    """sha256, in hex, of what a grade depends on: the submitted notebooks and the
    assignment's source notebook (its tests).

    A new submission, or a change of the tests, changes it. A symlink counts as its
    target's name, so replacing a file with a link changes it too.
    """
    folder = course.submitted_dir / student / assignment
    sha = hashlib.sha256()
    for source in sorted((course.source_dir / assignment).glob("*.ipynb")):
        sha.update(hashlib.sha256(source.read_bytes()).digest())
    for name in expected_notebooks(course, assignment):
        path = folder / name
        sha.update(name.encode() + b"\0")
        if path.is_symlink():
            sha.update(b"symlink:" + os.readlink(path).encode())
        elif path.is_file():
            sha.update(hashlib.sha256(path.read_bytes()).digest())
    return sha.hexdigest()


def find_submissions(course: Course, assignments: list[str]) -> list[Submission]:
    """Every submission of the given assignments in ``submitted/``, sorted."""
    found = []
    for assignment in assignments:
        for folder in sorted(course.submitted_dir.glob(f"*/{assignment}")):
            if folder.is_dir():
                student = folder.parent.name
                found.append(Submission(student, assignment, digest(course, student, assignment)))
    return found


def submit(course: Course, student: str, assignment: str, nb: nbformat.NotebookNode) -> Path:
    """Places a student's notebook where the grader looks for it, as `nbgrader collect`
    would (with the hand-in time in ``timestamp.txt``).

    Returns:
        The path written: ``submitted/<student>/<assignment>/<assignment>.ipynb``.
    """
    folder = course.submitted_dir / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{assignment}.ipynb"
    nbformat.write(nb, path)
    (folder / "timestamp.txt").write_text(datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f %Z"))
    return path
