"""Feedback pages: what a student may read, and scores that say when they are final;
formgrader: the rubric of a written answer beside each student's answer.

One tiny course with a written answer and its rubric, graded once: a right and a wrong
submission.
"""

from __future__ import annotations

import html
import re

import pytest

from dlgrader import cli, feedback, gradebook, notebooks

from . import tiny_course as tiny
from .jupyter_server import formgrader, request

HIDDEN_CODE = "numpy.testing.assert_allclose"  # a line of tiny's hidden test


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = tiny.make_course(tmp_path_factory.mktemp("feedback"), written_answer=True,
                              workers=1)
    tiny.hand_in(course, "alice", tiny.RIGHT, why="Because addition commutes.")
    tiny.hand_in(course, "bob", tiny.WRONG)  # the written answer left blank
    assert cli.grade(course, [tiny.ASSIGNMENT]) == 0
    return course


def text(page_html: str) -> str:
    """The text of an HTML page, tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", page_html))


def page(course, student: str) -> str:
    """The text of a feedback page."""
    return text((course.feedback_dir / student / tiny.ASSIGNMENT / "tiny.html").read_text())


def test_hidden_blocks_become_one_line():
    source = ('"""checks x."""\nvisible()\n### BEGIN HIDDEN TESTS\nsecret(1)\n\nsecret(2)\n'
              "### END HIDDEN TESTS\nafter()\n    ### BEGIN HIDDEN TESTS\n    s()\n"
              "    ### END HIDDEN TESTS")
    assert feedback.hide_hidden_tests(source) == (
        f'"""checks x."""\nvisible()\n{feedback.HIDDEN_NOTE}\nafter()\n'
        f"{feedback.HIDDEN_NOTE}")
    assert feedback.hide_hidden_tests("no hidden tests") == "no hidden tests"


def test_feedback_shows_hidden_tests_docstring_and_message_not_their_code(course):
    wrong = page(course, "bob")
    assert "add adds floats." in wrong, "the hidden test's docstring"
    assert "wrong on floats" in wrong, "the hidden test's failure message"
    assert "add(1, 2) is wrong" in wrong and "in the test cell, line 3" in wrong
    for text in (HIDDEN_CODE, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert text not in wrong and text not in page(course, "alice"), text
    assert feedback.HIDDEN_NOTE in wrong


def test_an_answer_awaiting_hand_grading_says_so_until_graded(course):
    right = page(course, "alice")
    assert feedback.AWAITING_NOTE in right
    assert f"{tiny.WRITTEN_POINTS:g} points await hand grading" in right
    assert "Score: 3.0 / 5.0" in right
    # A blank answer is scored 0 by autograde; nothing awaits a human there.
    assert feedback.AWAITING_NOTE not in page(course, "bob")

    with gradebook.open_gradebook(course) as book:
        grade = book.find_grade("why", tiny.ASSIGNMENT, tiny.ASSIGNMENT, "alice")
        grade.manual_score = tiny.WRITTEN_POINTS  # as formgrader records a hand grade
        grade.needs_manual_grade = False
        book.db.commit()
    assert cli.main(["feedback", "--course-dir", str(course.root)]) == 0
    right = page(course, "alice")
    assert feedback.AWAITING_NOTE not in right and "await hand grading" not in right
    assert "Score: 5.0 / 5.0" in right


def test_the_instructor_may_show_hidden_tests(course):
    shown = course.replace(feedback_shows_hidden_tests=True)
    assert cli.feedback(shown, [tiny.ASSIGNMENT]) == 0
    assert HIDDEN_CODE in page(course, "bob")
    assert cli.feedback(course, [tiny.ASSIGNMENT]) == 0
    assert HIDDEN_CODE not in page(course, "bob")


def test_the_grader_sees_the_rubric_the_student_never_does(course, tmp_path):
    """The release and the submission lack the rubric; formgrader shows it under the
    answer (autograde restores the read-only cell from the gradebook); feedback drops it."""
    release = notebooks.notebook_path(tiny.ASSIGNMENT, course.release_dir).read_text()
    submitted = (course.submitted_dir / "alice" / tiny.ASSIGNMENT / "tiny.ipynb").read_text()
    assert tiny.RUBRIC not in release and tiny.RUBRIC not in submitted
    assert "Graded by hand." in release
    for student in ("alice", "bob"):
        assert tiny.RUBRIC not in page(course, student)
        assert "Graded by hand." in page(course, student)

    notebook_id = tiny.notebook_id(course, "alice")
    with formgrader(course.root, tmp_path / "lab.log") as base:
        status, formgrade = request(f"{base}/formgrader/submissions/{notebook_id}/")
    assert status == 200, formgrade[-2000:]
    shown = text(formgrade)
    assert "Because addition commutes." in shown
    assert tiny.RUBRIC in shown
    assert shown.index("Because addition commutes.") < shown.index(tiny.RUBRIC)
