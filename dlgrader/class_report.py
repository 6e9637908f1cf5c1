"""The class report: one offline HTML page on how a class did and how its tests behaved.

``python -m dlcourse.cli report`` writes it (``class_report.html`` at the course root
by default) from the gradebook and the autograded notebooks. For each assignment:

- the score distribution of the graded submissions: a histogram of their percentage,
  with n, mean and median (an answer awaiting hand grading counts 0, as in the score
  table of `dlgrader.report`);
- for each test cell: its failure rate, its discrimination and its most common failure
  messages (see `item_rest_correlation` and `normalise_message`). Discrimination is
  measured against the other test cells only: written answers may still await a grader,
  and their provisional 0 would blur it;
- hand-grading progress: per written answer, how many submissions are graded and how
  many await a grader, and who;
- the submissions not counted in the statistics (failed, with the reason, or missing),
  and the flagged ones with their evidence (those are counted, with their scores as
  recorded, like in the score table: the flag asks the instructor to look).

The page is a single file: the figures (matplotlib) are inline SVG and the style sheet is
embedded, so it opens offline and refers to nothing on a network. Every text that comes
from a student (failure messages, student ids) is escaped.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from nbformat import NotebookNode

from dlgrader import gradebook, notebooks, report
from dlgrader.course import Course
from dlgrader.gradebook import FAILED, GRADED, CellScore
from dlgrader.report import Line

TOP_MESSAGES = 3  # failure messages shown per test cell
MESSAGE_CHARS = 160  # a normalised message is cut to this length
NO_MESSAGE = "(no error shown)"
STDERR_MESSAGE = "(output on stderr, which scores a test cell 0)"
NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
UNDEFINED = "&ndash;"  # HTML for a statistic that is undefined (a constant column)
DISCRIMINATION_DEFINITION = (  # HTML
    "Discrimination is the item&ndash;rest correlation: Pearson's correlation, over the "
    "graded submissions, between the share of a test cell's points a student earned and "
    "the points they earned on the assignment's other test cells; near 1 the cell "
    "separates strong from weak students, near 0 or below it does not, and it reads "
    "&ndash; when either is the same for every student."
)


@dataclass(frozen=True)
class CellStats:
    """How one test cell did across the graded submissions of an assignment."""

    grade_id: str
    points: float
    num_graded: int
    num_failed: int  # submissions that did not earn the cell's full points
    discrimination: float | None  # item-rest correlation; None where undefined
    messages: tuple[tuple[str, int], ...]  # normalised message, count; commonest first

    @property
    def failure_rate(self) -> float | None:
        return self.num_failed / self.num_graded if self.num_graded else None


@dataclass(frozen=True)
class HandGrading:
    """Hand-grading progress of one written answer across the graded submissions."""

    grade_id: str
    points: float
    graded: int  # graded by hand, or a blank answer autograde scored 0
    awaiting: tuple[str, ...]  # the students whose answer awaits a grader


@dataclass(frozen=True)
class AssignmentReport:
    """Everything the page shows about one assignment."""

    assignment: str
    percentages: tuple[float, ...]  # score / max score * 100, one per graded submission
    tests: tuple[CellStats, ...]
    hand_grading: tuple[HandGrading, ...]
    not_counted: tuple[Line, ...]  # failed or missing
    flagged: tuple[Line, ...]

    @property
    def submissions_awaiting(self) -> int:
        """Graded submissions with at least one answer awaiting a grader."""
        return len({student for cell in self.hand_grading for student in cell.awaiting})


# --- statistics ---------------------------------------------------------------------

def item_rest_correlation(item: Sequence[float], rest: Sequence[float]) -> float | None:
    """Pearson's correlation between a test cell's scores and the rest of the scores.

    Args:
        item: per student, the share of the cell's points earned (0 to 1), shape (N,).
        rest: per student, the points earned on the assignment's other test cells,
            shape (N,).

    Returns:
        r = sum((x - mean x)(y - mean y)) / sqrt(sum (x - mean x)^2 * sum (y - mean y)^2),
        in [-1, 1]; None when it is undefined: fewer than two students, or either
        column the same for every student (all passed the cell, say).
    """
    x = np.asarray(item, dtype=float)
    y = np.asarray(rest, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"item and rest must be two columns of one length: "
                         f"{x.shape} and {y.shape}")
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    dx, dy = x - x.mean(), y - y.mean()
    r = float(np.sum(dx * dy) / np.sqrt(np.sum(dx**2) * np.sum(dy**2)))
    return min(1.0, max(-1.0, r))  # rounding may step just outside


def normalise_message(ename: str, evalue: str) -> str:
    """The form in which a failure message is counted: the same failure from different
    students reads the same.

    The rule: the exception's name, then the first non-blank line of its message, with
    every number replaced by ``#`` and runs of white space by one space, cut to
    `MESSAGE_CHARS` characters. So ``CheckFailed: relu dx: 3 of 12 values differ ...``
    and ``CheckFailed: relu dx: 5 of 12 values differ ...`` count together, while a
    stub's ``NotImplementedError`` counts apart.
    """
    first_line = next((line for line in evalue.splitlines() if line.strip()), "")
    text = " ".join(NUMBER.sub("#", first_line).split())
    text = f"{ename}: {text}" if text else ename
    return text if len(text) <= MESSAGE_CHARS else text[:MESSAGE_CHARS - 1] + "…"


def failure_message(cell: NotebookNode) -> str:
    """The normalised failure message of an autograded test cell (`normalise_message`),
    or what shows instead when its outputs hold no error."""
    for output in cell.get("outputs", []):
        if output.output_type == "error":
            return normalise_message(output.ename, output.evalue)
    if any(output.output_type == "stream" and output.name == "stderr"
           for output in cell.get("outputs", [])):
        return STDERR_MESSAGE
    return NO_MESSAGE


def failure_messages(course: Course, student: str, assignment: str) -> dict[str, str]:
    """The normalised failure message of each test cell of one autograded submission
    that shows one (``autograded/<student>/<assignment>/*.ipynb``), by grade id."""
    messages = {}
    folder = course.autograded_dir / student / assignment
    for path in sorted(folder.glob("*.ipynb")):
        for cell in notebooks.read(path).cells:
            if notebooks.is_test(cell):
                messages[notebooks.grade_id(cell)] = failure_message(cell)
    return messages


def graded_cells(course: Course, assignment: str) -> tuple[dict[str, float], dict[str, float]]:
    """The test cells and the hand-graded answers of an assignment, each grade id with its
    points, in the order of its source notebooks."""
    tests, by_hand = {}, {}
    for path in sorted((course.source_dir / assignment).glob("*.ipynb")):
        for cell in notebooks.read(path).cells:
            meta = cell.metadata.get("nbgrader", {})
            if notebooks.is_test(cell):
                tests[meta["grade_id"]] = float(meta["points"])
            elif (meta.get("grade") and meta.get("solution")) or meta.get("task"):
                by_hand[meta["grade_id"]] = float(meta["points"])
    return tests, by_hand


def cell_statistics(tests: dict[str, float], scores: dict[str, dict[str, CellScore]],
                    messages: dict[str, dict[str, str]]) -> list[CellStats]:
    """The statistics of each test cell over the graded submissions.

    Args:
        tests: grade id -> points of the assignment's test cells.
        scores: student -> grade id -> CellScore, for the graded submissions only (a
            cell a submission lacks scores 0).
        messages: student -> grade id -> normalised failure message.
    """
    students = sorted(scores)
    earned = np.array([[scores[s][cell].score if cell in scores[s] else 0.0
                        for cell in tests] for s in students],
                      dtype=float).reshape(len(students), len(tests))
    cells = []
    for j, (cell, points) in enumerate(tests.items()):
        failed = [s for i, s in enumerate(students) if earned[i, j] < points]
        share = earned[:, j] / points if points else np.zeros(len(students))
        rest = earned.sum(axis=1) - earned[:, j]
        counts = Counter(messages.get(s, {}).get(cell, NO_MESSAGE) for s in failed)
        cells.append(CellStats(
            grade_id=cell, points=points, num_graded=len(students),
            num_failed=len(failed), discrimination=item_rest_correlation(share, rest),
            messages=tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
        ))
    return cells


def assignment_report(course: Course, assignment: str,
                      standing: Iterable[Line]) -> AssignmentReport:
    """The report of one assignment; ``standing`` holds its lines of `report.lines`."""
    standing = [line for line in standing if line.assignment == assignment]
    graded = [line for line in standing if line.status == GRADED]
    all_scores = gradebook.cell_scores(course, assignment)
    scores = {line.student: all_scores.get(line.student, {}) for line in graded}
    tests, by_hand = graded_cells(course, assignment)
    messages = {line.student: failure_messages(course, line.student, assignment)
                for line in graded}
    hand_grading = []
    for cell, points in by_hand.items():
        marked = {s: cells[cell] for s, cells in scores.items() if cell in cells}
        hand_grading.append(HandGrading(
            grade_id=cell,
            points=points,
            graded=sum(not c.needs_manual_grade for c in marked.values()),
            awaiting=tuple(sorted(s for s, c in marked.items() if c.needs_manual_grade)),
        ))
    return AssignmentReport(
        assignment=assignment,
        percentages=tuple(100 * line.score / line.max_score for line in graded
                          if line.max_score),
        tests=tuple(cell_statistics(tests, scores, messages)),
        hand_grading=tuple(hand_grading),
        not_counted=tuple(line for line in standing if line.status != GRADED),
        flagged=tuple(line for line in graded if line.flags),
    )


# --- figures ---------------------------------------------------------------------------

def _svg(fig) -> str:
    """A matplotlib figure as an ``<svg>`` element to write inside HTML: text stays
    text, and the XML prolog (which names a DTD on the web) is left out."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight",
                metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def histogram_svg(percentages: Sequence[float]) -> str:
    """The score distribution: submissions per tenth of the percentage scale, with the
    mean and the median marked."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig = Figure(figsize=(6, 2.6))
        ax = fig.add_subplot()
        ax.hist(percentages, bins=np.linspace(0, 100, 11), color="#4c78a8",
                edgecolor="white")
        if len(percentages):
            ax.axvline(np.mean(percentages), color="#e45756", linestyle="--", label="mean")
            ax.axvline(np.median(percentages), color="#222222", linestyle=":",
                       label="median")
            ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
        ax.set_xlim(0, 100)
        ax.set_xlabel("score (%)")
        ax.set_ylabel("submissions")
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.spines[["top", "right"]].set_visible(False)
        return _svg(fig)


def failure_rate_svg(tests: Sequence[CellStats]) -> str:
    """One horizontal bar per test cell: its failure rate, in notebook order."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig = Figure(figsize=(6, 0.8 + 0.22 * len(tests)))
        ax = fig.add_subplot()
        rates = [100 * (cell.failure_rate or 0.0) for cell in tests]
        ax.barh(range(len(tests)), rates, color="#e45756")
        ax.set_yticks(range(len(tests)), [cell.grade_id for cell in tests], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel("failure rate (%)")
        ax.spines[["top", "right"]].set_visible(False)
        return _svg(fig)


# --- the page -----------------------------------------------------------------------------

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 72rem; margin: 2rem auto;
       padding: 0 1rem; color: #222; line-height: 1.45; }
h2 { border-bottom: 1px solid #ccc; margin-top: 2.5rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: left;
         vertical-align: top; }
th { background: #f3f3f3; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
code, .message { font-family: ui-monospace, monospace; font-size: 0.9em; }
.message { white-space: pre-wrap; }
.flag { color: #b00020; font-weight: bold; }
.note { color: #555; font-size: 0.92em; }
svg { max-width: 100%; height: auto; }
"""


def _e(text: object) -> str:
    """Text escaped for HTML, quotes included (it may land in an attribute)."""
    return html.escape(str(text), quote=True)


def _number(value: float | None, digits: int = 1, suffix: str = "") -> str:
    """A statistic as HTML: `UNDEFINED` for None."""
    return UNDEFINED if value is None else f"{value:.{digits}f}{suffix}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]],
           numeric: Sequence[int] = ()) -> str:
    """An HTML table; cells are HTML already (escape before), columns in ``numeric``
    are right-aligned."""
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td class="number">{cell}</td>' if i in numeric
                         else f"<td>{cell}</td>" for i, cell in enumerate(row)) + "</tr>\n"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}</tbody></table>"


def _scores_html(part: AssignmentReport) -> str:
    p = np.array(part.percentages)
    summary = [[str(len(p)), _number(p.mean() if len(p) else None, suffix=" %"),
                _number(float(np.median(p)) if len(p) else None, suffix=" %"),
                _number(p.min() if len(p) else None, suffix=" %"),
                _number(p.max() if len(p) else None, suffix=" %")]]
    return ("<h3>Scores</h3>\n"
            + _table(["n", "mean", "median", "lowest", "highest"], summary, range(5))
            + (histogram_svg(part.percentages) if len(p) else "")
            + '<p class="note">Percentage of the assignment\'s points; an answer awaiting '
              "hand grading counts 0 until it is graded.</p>")


def _tests_html(part: AssignmentReport) -> str:
    if not part.tests:
        return ""
    rows = []
    for cell in part.tests:
        messages = "<br>".join(f'{count} &times; <span class="message">{_e(text)}</span>'
                               for text, count in cell.messages[:TOP_MESSAGES])
        more = len(cell.messages) - TOP_MESSAGES
        if more > 0:
            messages += f'<br><span class="note">and {more} other message(s)</span>'
        rate = None if cell.failure_rate is None else 100 * cell.failure_rate
        rows.append([
            f"<code>{_e(cell.grade_id)}</code>", f"{cell.points:g}",
            f"{cell.num_failed} of {cell.num_graded} ({_number(rate, 0, ' %')})",
            _number(cell.discrimination, 2), messages,
        ])
    header = ["test cell", "points", "failed", "discrimination", "most common failure messages"]
    return ("<h3>Test cells</h3>\n"
            + (failure_rate_svg(part.tests) if part.percentages else "")
            + _table(header, rows, numeric=(1, 2, 3)))


def _hand_grading_html(part: AssignmentReport) -> str:
    if not part.hand_grading:
        return ""
    rows = [[f"<code>{_e(cell.grade_id)}</code>", f"{cell.points:g}", str(cell.graded),
             str(len(cell.awaiting)), ", ".join(_e(s) for s in cell.awaiting)]
            for cell in part.hand_grading]
    num_graded = len(part.percentages)
    return ("<h3>Hand grading</h3>\n"
            f"<p>{num_graded - part.submissions_awaiting} of {num_graded} graded "
            f"submission(s) fully graded; {part.submissions_awaiting} awaiting hand "
            "grading.</p>\n"
            + _table(["answer", "points", "graded", "awaiting", "awaiting from"], rows,
                     numeric=(1, 2, 3))
            + '<p class="note">Graded: by hand in formgrader, or a blank answer that '
              "autograde scored 0.</p>")


def _others_html(part: AssignmentReport) -> str:
    text = ""
    if part.flagged:
        items = "".join(f'<li><span class="flag">{_e(line.student)}</span>: '
                        f'<span class="message">{_e(line.flags)}</span></li>\n'
                        for line in part.flagged)
        text += ("<h3>Flagged for tampering with their tests</h3>\n"
                 '<p class="note">Counted above with their scores as recorded; check them '
                 "by hand.</p>\n"
                 f"<ul>{items}</ul>")
    if part.not_counted:
        items = "".join(
            f"<li>{_e(line.student)}: {_e(line.status)}"
            + (f" ({_e(line.reason)})" if line.reason else "") + "</li>\n"
            for line in part.not_counted)
        text += f"<h3>Not counted</h3>\n<ul>{items}</ul>"
    return text


def _anchor(assignment: str) -> str:
    return "a-" + re.sub(r"[^A-Za-z0-9_-]", "-", assignment)


def render(course_id: str, parts: Sequence[AssignmentReport],
           written: dt.datetime | None = None) -> str:
    """The page, as HTML text."""
    written = written or dt.datetime.now().replace(microsecond=0)
    contents = "".join(f'<li><a href="#{_anchor(p.assignment)}">{_e(p.assignment)}</a> '
                       f"({len(p.percentages)} graded)</li>" for p in parts)
    sections = "".join(
        f'<section id="{_anchor(p.assignment)}">\n<h2>{_e(p.assignment)}</h2>\n'
        f"<p>{len(p.percentages)} graded, "
        f"{sum(line.status == FAILED for line in p.not_counted)} failed, "
        f"{sum(line.status == report.MISSING for line in p.not_counted)} missing"
        + (f', <span class="flag">{len(p.flagged)} flagged</span>' if p.flagged else "")
        + ".</p>\n"
        + _scores_html(p) + _tests_html(p) + _hand_grading_html(p) + _others_html(p)
        + "</section>\n"
        for p in parts
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Class report: {_e(course_id)}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>Class report: {_e(course_id)}</h1>
<p class="note">From the gradebook, {_e(written.isoformat(sep=" "))}. Statistics count
the graded submissions only: failed and missing ones are listed apart.</p>
<ul class="note">
<li>Failure rate: the share of graded submissions that did not earn a test cell's full
points.</li>
<li>{DISCRIMINATION_DEFINITION}</li>
<li>Failure messages are counted by their first line, numbers masked as #, so that one
failure from different students counts once per student.</li>
</ul>
<ul>{contents}</ul>
{sections}</body>
</html>
"""


def build(course: Course, assignments: Iterable[str]) -> list[AssignmentReport]:
    """The report of each assignment, from the gradebook and the autograded notebooks."""
    assignments = list(assignments)
    standing = report.lines(course, assignments)
    return [assignment_report(course, assignment, standing) for assignment in assignments]


def write(course: Course, assignments: Iterable[str], path: Path | None = None) -> Path:
    """Writes the class report of ``assignments`` (default path: `Course.class_report`);
    returns the path written."""
    path = Path(path or course.class_report)
    path.write_text(render(course.course_id, build(course, assignments)), encoding="utf-8")
    return path
