"""What the instructor reads after grading: the score table and ``grades.csv``.

Both list every student the gradebook or ``submitted/`` knows, for every assignment
asked for. A submission is ``graded`` (its score), ``failed`` (with the reason) or
``missing`` (nothing was handed in: no score, which is not the same as 0). A graded
submission may carry flags: evidence that it tampered with its tests (`dlgrader.canaries`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass

from dlgrader import gradebook
from dlgrader.course import Course
from dlgrader.gradebook import FAILED, GRADED, Result

MISSING = "missing"
CSV_COLUMNS = ["student", "assignment", "status", "score", "max_score", "awaiting_hand_grading",
               "reason", "flags"]


@dataclass(frozen=True)
class Line:
    """One student's standing on one assignment."""

    student: str
    assignment: str
    status: str  # GRADED, FAILED or MISSING
    score: float | None = None
    max_score: float | None = None
    by_hand: float = 0.0  # points of written answers that wait for a human
    reason: str = ""
    flags: str = ""  # evidence of tampering: the score is not to be trusted as it stands


def lines(course: Course, assignments: Iterable[str]) -> list[Line]:
    """Every (student, assignment) standing, sorted by student then assignment."""
    assignments = list(assignments)
    results = gradebook.results(course)
    submitted = {folder.parent.name for folder in course.submitted_dir.glob("*/*")
                 if folder.is_dir()}
    students = sorted(set(gradebook.students(course)) | submitted)
    table: list[Line] = []
    for assignment in assignments:
        scores = gradebook.cell_scores(course, assignment)
        for student in students:
            result: Result | None = results.get((student, assignment))
            if result is not None and result.status == FAILED:
                table.append(Line(student, assignment, FAILED, reason=result.reason))
            elif result is not None and student in scores:
                cells = scores[student].values()
                table.append(Line(
                    student, assignment, GRADED,
                    score=sum(c.score for c in cells),
                    max_score=sum(c.max_score for c in cells),
                    by_hand=sum(c.max_score for c in cells if c.needs_manual_grade),
                    flags=result.flags,
                ))
            elif (course.submitted_dir / student / assignment).is_dir():
                table.append(Line(student, assignment, FAILED, reason="not graded yet"))
            else:
                table.append(Line(student, assignment, MISSING))
    return sorted(table, key=lambda line: (line.student, assignments.index(line.assignment)))


def _cell(line: Line) -> str:
    if line.status == GRADED:
        text = f"{line.score:g} / {line.max_score:g}"
        text += f" (+{line.by_hand:g} by hand)" if line.by_hand else ""
        return text + (" FLAGGED" if line.flags else "")
    return "FAILED" if line.status == FAILED else "-"


def score_table(course: Course, assignments: Iterable[str]) -> str:
    """One row per student, one column per assignment, then every failure and its reason
    and every flag and its evidence.

    A cell reads ``score / max`` (``(+N by hand)`` when written answers worth N points
    wait for formgrader; ``FLAGGED`` when the submission tampered with its tests),
    ``FAILED``, or ``-`` where nothing was handed in.
    """
    assignments = list(assignments)
    standing = lines(course, assignments)
    cells = {(line.student, line.assignment): _cell(line) for line in standing}
    students = sorted({line.student for line in standing})
    header = ["student", *assignments]
    body = [[student, *(cells[student, a] for a in assignments)] for student in students]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    rows = [
        "  ".join(text.ljust(width) for text, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *body]
    ]
    rows.insert(1, "  ".join("-" * width for width in widths))
    failures = [line for line in standing if line.status == FAILED]
    if failures:
        rows += ["", f"{len(failures)} submission(s) failed:"]
        rows += [f"  {line.student} / {line.assignment}: {line.reason}" for line in failures]
    flagged = [line for line in standing if line.flags]
    if flagged:
        rows += ["", f"{len(flagged)} submission(s) flagged for tampering with their tests "
                 "(check them by hand):"]
        rows += [f"  {line.student} / {line.assignment}: {line.flags}" for line in flagged]
    return "\n".join(rows)


def write_grades(course: Course, assignments: Iterable[str]) -> list[Line]:
    """Writes ``grades.csv`` (columns: `CSV_COLUMNS`); returns its lines."""
    standing = lines(course, assignments)
    with course.grades_csv.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(CSV_COLUMNS)
        for line in standing:
            graded = line.status == GRADED
            writer.writerow([
                line.student, line.assignment, line.status,
                f"{line.score:g}" if graded else "", f"{line.max_score:g}" if graded else "",
                f"{line.by_hand:g}" if graded else "", line.reason, line.flags,
            ])
    return standing
