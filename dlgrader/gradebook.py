"""The gradebook: nbgrader's tables, and one table of grading results beside them.

nbgrader's own tables hold the scores. They cannot say whether a submission's grading
finished (a regrade updates the rows in place, and a worker killed half-way leaves
the previous scores standing), so the engine records each finished grading in
``dlgrader_results``: which submission (by the digest of its files) was graded, whether
it succeeded, and why not. One row per (student, assignment), replaced in one
transaction: a submission's result reaches the gradebook exactly once per grading.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from nbgrader.api import Gradebook, MissingEntry

from dlgrader.course import Course

_metadata = sa.MetaData()
RESULTS = sa.Table(
    "dlgrader_results",
    _metadata,
    sa.Column("student", sa.String(128), primary_key=True),
    sa.Column("assignment", sa.String(128), primary_key=True),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text, nullable=False, default=""),
    sa.Column("seconds", sa.Float, nullable=False, default=0.0),
    sa.Column("flags", sa.Text, nullable=False, default=""),
    sa.Column("finished", sa.DateTime, nullable=False),
)
GRADED = "graded"
FAILED = "failed"


@dataclass(frozen=True)
class Result:
    """How the grading of one submission ended."""

    student: str
    assignment: str
    digest: str
    status: str  # GRADED or FAILED
    reason: str = ""
    seconds: float = 0.0
    flags: str = ""  # evidence of tampering (dlgrader.canaries), for the instructor


@dataclass(frozen=True)
class CellScore:
    """The grade of one graded cell of one submission."""

    score: float
    max_score: float
    needs_manual_grade: bool


def open_gradebook(course: Course) -> Gradebook:
    """nbgrader's gradebook of the course (creates its tables on first use)."""
    return Gradebook(course.gradebook_url, course.course_id)


def _engine(course: Course) -> sa.Engine:
    return sa.create_engine(course.gradebook_url)


def prepare(course: Course, students: Iterable[str]) -> None:
    """Creates nbgrader's tables, the results table and every student, before grading.

    nbgrader checks, then inserts, when a student or a new database first appears; done
    by several workers at once, that races. Done here, once, it cannot.
    """
    with open_gradebook(course) as gradebook:  # nbgrader's tables first: it stamps new ones
        for student in students:
            gradebook.update_or_create_student(student)
    engine = _engine(course)
    _metadata.create_all(engine)
    engine.dispose()


def known_assignments(course: Course) -> set[str]:
    """The assignments the gradebook holds (those released with this gradebook)."""
    with open_gradebook(course) as gradebook:
        return {assignment.name for assignment in gradebook.assignments}


def record(course: Course, result: Result) -> None:
    """Replaces the result of one submission, in one transaction."""
    key = (RESULTS.c.student == result.student) & (RESULTS.c.assignment == result.assignment)
    engine = _engine(course)
    with engine.begin() as connection:
        connection.execute(RESULTS.delete().where(key))
        connection.execute(RESULTS.insert().values(
            student=result.student, assignment=result.assignment, digest=result.digest,
            status=result.status, reason=result.reason, seconds=result.seconds,
            flags=result.flags,
            finished=dt.datetime.now(dt.UTC).replace(tzinfo=None),
        ))
    engine.dispose()


def results(course: Course) -> dict[tuple[str, str], Result]:
    """Every recorded result, by (student, assignment)."""
    engine = _engine(course)
    _metadata.create_all(engine)
    with engine.connect() as connection:
        rows = connection.execute(sa.select(RESULTS)).mappings().all()
    engine.dispose()
    return {
        (row["student"], row["assignment"]): Result(
            row["student"], row["assignment"], row["digest"], row["status"], row["reason"],
            row["seconds"], row["flags"])
        for row in rows
    }


def cell_scores(course: Course, assignment: str) -> dict[str, dict[str, CellScore]]:
    """The score of every graded cell, per student, as nbgrader's tables hold them.

    Returns:
        student id -> grade_id -> CellScore, for every student with a submission.
    """
    scores: dict[str, dict[str, CellScore]] = {}
    with open_gradebook(course) as gradebook:
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


def students(course: Course) -> list[str]:
    """Every student the gradebook knows, sorted."""
    with open_gradebook(course) as gradebook:
        return sorted(student.id for student in gradebook.students)
