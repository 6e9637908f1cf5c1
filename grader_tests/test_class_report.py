"""The class report: statistics one can check by hand, on one page that opens offline.

One tiny course with a written answer (visible test 1 point, hidden test 2, written
answer 2), graded once on one worker without feedback pages:

| student | ``add`` | visible | hidden | written answer |
|---|---|---|---|---|
| alice | right | passes | passes | graded by hand, full marks |
| bob | ``a - b`` | fails | fails | blank |
| carol | ``int(a) + int(b)`` | passes | fails | awaiting hand grading |
| erin | raises an error whose message is a ``<script>`` | fails | fails | blank |
| mallory | right, with ``numpy.testing`` silenced (flagged) | passes | passes | blank |

and frank, whose notebook is not JSON (failed), and zoe, whom the gradebook knows but
who handed nothing in (missing): both listed, neither counted.
"""

from __future__ import annotations

import html
import re

import nbformat
import numpy as np
import pytest

from dlgrader import class_report, cli, gradebook
from dlgrader.class_report import AssignmentReport, CellStats, HandGrading
from dlgrader.report import MISSING, Line

from . import tiny_course as tiny

SCRIPT = "<script>alert('owned')</script>"
INT_ONLY = "def add(a, b):\n    return int(a) + int(b)"
RAISES = f"def add(a, b):\n    raise ValueError({SCRIPT!r})"
SILENCED = tiny.RIGHT + "\nimport numpy\nnumpy.testing.assert_allclose = lambda *a, **k: None"
COUNTED = ["alice", "bob", "carol", "erin", "mallory"]
VISIBLE, HIDDEN, WRITTEN = "test_add_visible", "test_add_hidden", "why"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = tiny.make_course(tmp_path_factory.mktemp("class_report"), written_answer=True,
                              workers=1, feedback=False)
    tiny.hand_in(course, "alice", tiny.RIGHT, why="Because addition commutes.")
    tiny.hand_in(course, "bob", tiny.WRONG)
    tiny.hand_in(course, "carol", INT_ONLY, why="Integers are enough.")
    tiny.hand_in(course, "erin", RAISES)
    tiny.hand_in(course, "mallory", SILENCED)
    tiny.hand_in(course, "frank", tiny.RIGHT).write_text('{"cells": [')
    gradebook.prepare(course, ["zoe"])
    assert cli.grade(course, [tiny.ASSIGNMENT]) == 1  # frank's submission failed
    with gradebook.open_gradebook(course) as book:
        grade = book.find_grade(WRITTEN, tiny.ASSIGNMENT, tiny.ASSIGNMENT, "alice")
        grade.manual_score = tiny.WRITTEN_POINTS  # as formgrader records a hand grade
        grade.needs_manual_grade = False
        book.db.commit()
    return course


@pytest.fixture(scope="module")
def part(course) -> AssignmentReport:
    [part] = class_report.build(course, [tiny.ASSIGNMENT])
    return part


@pytest.fixture(scope="module")
def page(course) -> str:
    path = course.root / "elsewhere.html"
    argv = ["report", "--course-dir", str(course.root), "--output", str(path)]
    assert cli.main(argv) == 0
    return path.read_text(encoding="utf-8")


def external_references(page: str) -> list[str]:
    """Whatever in a page a browser would fetch: a src or href with a scheme or a
    network path, a style's url() other than to an id of the page, scripts, links,
    imports."""
    found = re.findall(r"""\b(?:src|href)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:|//)[^"'\s>]*""",
                       page, re.IGNORECASE)
    found += re.findall(r"""url\(\s*["']?(?!#)[^)]*\)""", page, re.IGNORECASE)
    found += re.findall(r"<script\b[^>]*>|<link\b[^>]*>|@import[^;]*", page, re.IGNORECASE)
    return found


def cell(part: AssignmentReport, grade_id: str) -> CellStats:
    return next(c for c in part.tests if c.grade_id == grade_id)


# --- the pure functions ----------------------------------------------------------------

def test_item_rest_correlation_by_hand():
    """x = [1, 0, 1, 0, 1], y = [2, 0, 0, 0, 2]: deviations (.4, -.6, .4, -.6, .4) and
    (1.2, -.8, -.8, -.8, 1.2); sum of products 1.6, sums of squares 1.2 and 4.8, so
    r = 1.6 / sqrt(5.76) = 2/3."""
    assert class_report.item_rest_correlation([1, 0, 1, 0, 1], [2, 0, 0, 0, 2]) == \
        pytest.approx(2 / 3)
    assert class_report.item_rest_correlation([1, 0], [0, 3]) == pytest.approx(-1)
    rng = np.random.default_rng(0)
    x, y = rng.random(20), rng.random(20)
    assert class_report.item_rest_correlation(x, y) == pytest.approx(np.corrcoef(x, y)[0, 1])


def test_item_rest_correlation_is_undefined_for_a_constant_column():
    assert class_report.item_rest_correlation([1, 1, 1], [0, 2, 3]) is None  # all passed
    assert class_report.item_rest_correlation([0, 1, 1], [2, 2, 2]) is None
    assert class_report.item_rest_correlation([1], [2]) is None
    assert class_report.item_rest_correlation([], []) is None
    with pytest.raises(ValueError):
        class_report.item_rest_correlation([1, 0], [1, 0, 1])


def test_messages_count_together_when_only_their_numbers_differ():
    normalise = class_report.normalise_message
    a = normalise("CheckFailed", "relu dx: 3 of 12 values differ; error 1.5e-03 at (0, 2)")
    b = normalise("CheckFailed", "relu dx: 5 of 12 values differ; error 2 at (1, -4)")
    assert a == b == "CheckFailed: relu dx: # of # values differ; error # at (#, #)"
    assert normalise("AssertionError", "\n  Not equal   to tolerance\nx: [1, 2]") == \
        "AssertionError: Not equal to tolerance"
    assert normalise("NotImplementedError", "") == "NotImplementedError"
    long = normalise("CheckFailed", "x" * 500)
    assert len(long) == class_report.MESSAGE_CHARS and long.endswith("…")


def test_failure_message_of_a_cell_without_an_error():
    quiet = nbformat.v4.new_code_cell("pass")
    assert class_report.failure_message(quiet) == class_report.NO_MESSAGE
    loud = nbformat.v4.new_code_cell("pass")
    loud.outputs = [nbformat.v4.new_output("stream", name="stderr", text="warning")]
    assert class_report.failure_message(loud) == class_report.STDERR_MESSAGE
    failed = nbformat.v4.new_code_cell("pass")
    failed.outputs = [nbformat.v4.new_output("error", ename="CheckFailed", evalue="7 wrong",
                                             traceback=[])]
    assert class_report.failure_message(failed) == "CheckFailed: # wrong"


def test_cell_statistics_on_a_small_table():
    """A cell a submission lacks scores 0; messages are counted over the failures only."""
    score = gradebook.CellScore
    scores = {"a": {"t1": score(1, 1, False), "t2": score(2, 2, False)},
              "b": {"t1": score(0, 1, False), "t2": score(0, 2, False)},
              "c": {"t1": score(1, 1, False)}}
    messages = {"a": {"t1": "unused"}, "b": {"t1": "m1", "t2": "m2"}}
    t1, t2 = class_report.cell_statistics({"t1": 1.0, "t2": 2.0}, scores, messages)
    assert (t1.num_failed, t1.num_graded, t1.messages) == (1, 3, (("m1", 1),))
    assert (t2.num_failed, t2.messages) == (2, ((class_report.NO_MESSAGE, 1), ("m2", 1)))
    # t1: x = (1, 0, 1), rest = (2, 0, 0): sum of products 2/3, sums of squares 2/3 and
    # 8/3, so r = 1/2.
    assert t1.discrimination == pytest.approx(0.5)
    [empty] = class_report.cell_statistics({"t1": 1.0}, {}, {})
    assert (empty.num_graded, empty.failure_rate, empty.discrimination) == (0, None, None)
    page = class_report.render("course", [AssignmentReport("hw", (), (empty,), (), (), ())])
    assert "0 of 0 (&ndash;)" in page and "<svg" not in page


def test_the_page_escapes_what_students_wrote_and_shows_undefined_as_a_dash():
    """Student ids and messages reach the page as text, never as markup."""
    student = '<img src=x onerror="alert(1)">'
    part = AssignmentReport(
        assignment="hw<0>",
        percentages=(100.0, 100.0),
        tests=(CellStats("test_x", 1.0, 2, 0, None, ()),
               CellStats("test_y", 1.0, 2, 1, None, ((SCRIPT, 1),))),
        hand_grading=(HandGrading("why", 2.0, 1, (student,)),),
        not_counted=(Line(student, "hw<0>", MISSING),),
        flagged=(Line(student, "hw<0>", "graded", 2.0, 2.0, flags=f"canary: {SCRIPT}"),),
    )
    page = class_report.render("course", [part])
    assert student not in page and SCRIPT not in page and "<0>" not in page
    assert html.escape(student) in page and html.escape(SCRIPT) in page
    assert external_references(page) == []
    assert "nan" not in page.lower()
    tests_table = page[page.index("<h3>Test cells</h3>"):page.index("<h3>Hand grading</h3>")]
    discrimination = re.findall(r'<td class="number">([^<]*)</td>\s*<td>', tests_table)
    assert discrimination == ["&ndash;", "&ndash;"]


# --- the tiny class -------------------------------------------------------------------------

def test_only_graded_submissions_are_counted(part):
    assert len(part.percentages) == len(COUNTED)
    assert sorted(part.percentages) == pytest.approx([0, 0, 20, 60, 100])  # of 5 points
    assert {(line.student, line.status) for line in part.not_counted} == \
        {("frank", "failed"), ("zoe", MISSING)}
    assert [line.student for line in part.flagged] == ["mallory"]


def test_failure_rate_is_the_share_of_graded_submissions_short_of_full_points(part):
    assert [c.grade_id for c in part.tests] == [VISIBLE, HIDDEN]  # notebook order
    assert (cell(part, VISIBLE).num_failed, cell(part, VISIBLE).num_graded) == (2, 5)
    assert cell(part, VISIBLE).failure_rate == pytest.approx(0.4)
    assert (cell(part, HIDDEN).num_failed, cell(part, HIDDEN).failure_rate) == (3, 0.6)


def test_discrimination_against_the_other_test_cell(part):
    """Visible passed by alice, carol, mallory; hidden's points 2, 0, 0, 0, 2: the case
    of test_item_rest_correlation_by_hand, either way round."""
    assert cell(part, VISIBLE).discrimination == pytest.approx(2 / 3)
    assert cell(part, HIDDEN).discrimination == pytest.approx(2 / 3)


def test_the_same_failure_from_two_students_counts_twice(part):
    """bob's and carol's hidden-test failures differ in their numbers only."""
    (commonest, count), *others = cell(part, HIDDEN).messages
    assert count == 2 and commonest.startswith("AssertionError: Not equal to tolerance")
    assert others == [(f"ValueError: {SCRIPT}", 1)]
    assert sorted(cell(part, VISIBLE).messages) == [
        ("CheckFailed: add(#, #) is wrong", 1), (f"ValueError: {SCRIPT}", 1)]


def test_hand_grading_progress(part):
    [why] = part.hand_grading
    # alice graded by hand; bob, erin and mallory left it blank (autograde scored 0).
    assert (why.grade_id, why.points, why.graded, why.awaiting) == \
        (WRITTEN, tiny.WRITTEN_POINTS, 4, ("carol",))
    assert part.submissions_awaiting == 1


def test_the_page_is_one_offline_file_with_its_figures(page):
    assert external_references(page) == []
    assert page.count("<svg") == 2  # the score histogram and the failure rates
    assert "<?xml" not in page and "<!DOCTYPE svg" not in page


def test_the_page_shows_what_the_report_holds(page, part):
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    text = " ".join(text.split())
    assert "5 graded, 1 failed, 1 missing, 1 flagged" in text
    assert "5 36.0 % 20.0 % 0.0 % 100.0 %" in text  # n, mean, median, lowest, highest
    assert f"{VISIBLE} 1 2 of 5 (40 %) 0.67" in text
    assert f"{HIDDEN} 2 3 of 5 (60 %) 0.67" in text
    commonest = cell(part, HIDDEN).messages[0][0]
    assert f"2 \N{MULTIPLICATION SIGN} {commonest}" in text
    assert f"{WRITTEN} 2 4 1 carol" in text
    assert "4 of 5 graded submission(s) fully graded; 1 awaiting hand grading." in text
    [flagged] = part.flagged
    assert f"{flagged.student} : {flagged.flags}" in text  # tags leave a space
    assert "frank: failed (invalid notebook" in text
    assert "zoe: missing" in text
    assert "item&ndash;rest correlation" in page


def test_student_text_is_escaped_in_the_page(page):
    assert SCRIPT not in page
    assert html.escape(SCRIPT) in page


def test_report_writes_to_the_course_root_by_default(course, capsys):
    assert cli.main(["report", "--course-dir", str(course.root)]) == 0
    assert course.class_report == course.root / "class_report.html"
    assert course.class_report.is_file()
    assert str(course.class_report) in capsys.readouterr().out
