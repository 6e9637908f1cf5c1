"""Driving the real nbgrader in a course directory, and reading its gradebook.

nbgrader's command line costs a few seconds to start, so each step here is one call
for a whole assignment (every student at once), never one per student. Scores are read
from the gradebook, not from exit codes: ``nbgrader validate`` exits 0 on failing tests
(nbgrader issue #1908), and autograde's exit code says nothing about the marks.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry

DB_NAME = "gradebook.db"  # the default of nbgrader_config.py


class NbgraderError(RuntimeError):
    """An nbgrader command failed; the message carries the end of its log."""


@dataclass(frozen=True)
class CellScore:
    """The grade of one graded cell of one submission."""

    score: float
    max_score: float
    needs_manual_grade: bool


def db_url(course_dir: Path) -> str:
    """The gradebook's address, as nbgrader_config.py chooses it."""
    return os.environ.get("DLCOURSE_DB_URL", f"sqlite:///{course_dir / DB_NAME}")


def nbgrader(course_dir: Path, *args: str) -> str:
    """Runs ``nbgrader <args>`` in a course directory and returns its log.

    Raises:
        NbgraderError: the command exited non-zero.
    """
    # nbgrader runs tools of its environment (alembic) by name, and the kernel must be
    # the one installed in that environment: put both first.
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "JUPYTER_PREFER_ENV_PATH": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course_dir,
        env=env,
        capture_output=True,
        text=True,
    )
    log = result.stdout + result.stderr
    if result.returncode != 0:
        tail = "\n".join(log.splitlines()[-40:])
        raise NbgraderError(f"nbgrader {' '.join(args)} exited {result.returncode}:\n{tail}")
    return log


def generate_release(course_dir: Path, assignment: str) -> None:
    """Regenerates ``release/<assignment>`` from ``source/`` and records it in the gradebook."""
    nbgrader(course_dir, "generate_assignment", assignment, "--force")


def submit(course_dir: Path, assignment: str, student: str, nb: nbformat.NotebookNode) -> Path:
    """Places a student's notebook where autograde looks for it.

    Returns:
        The path written: ``submitted/<student>/<assignment>/<assignment>.ipynb``.
    """
    folder = course_dir / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{assignment}.ipynb"
    nbformat.write(nb, path)
    # nbgrader reads the hand-in time from here, as `nbgrader collect` would leave it.
    (folder / "timestamp.txt").write_text(datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f %Z"))
    return path


def autograde(course_dir: Path, assignment: str) -> str:
    """Autogrades every submission of an assignment (students are created as needed).

    Returns:
        nbgrader's log.
    """
    return nbgrader(course_dir, "autograde", assignment, "--force")


def generate_feedback(course_dir: Path, assignment: str) -> None:
    """Writes the HTML feedback of every autograded submission to ``feedback/``."""
    nbgrader(course_dir, "generate_feedback", assignment, "--force")


def export_grades(course_dir: Path, to: Path) -> None:
    """Writes every student's score per assignment as CSV (nbgrader's own exporter)."""
    nbgrader(course_dir, "export", f"--CsvExportPlugin.to={to}")


def cell_scores(course_dir: Path, assignment: str) -> dict[str, dict[str, CellScore]]:
    """The score of every graded cell, per student, as the gradebook holds them.

    Returns:
        student id -> grade_id -> CellScore, for every student with a submission.
    """
    scores: dict[str, dict[str, CellScore]] = {}
    with Gradebook(db_url(course_dir)) as gradebook:
        try:
            submissions = gradebook.find_assignment(assignment).submissions
        except MissingEntry:
            return scores
        for submission in submissions:
            per_cell = scores.setdefault(submission.student.id, {})
            for nb in submission.notebooks:
                for grade in nb.grades:
                    per_cell[grade.name] = CellScore(
                        score=float(grade.score),
                        max_score=float(grade.max_score),
                        needs_manual_grade=bool(grade.needs_manual_grade),
                    )
    return scores
