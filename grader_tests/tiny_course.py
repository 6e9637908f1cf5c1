"""A course of one tiny assignment, for testing the grading engine in seconds.

``tiny`` asks for ``add(a, b)``; a visible test (1 point, through ``dlcourse.checks``)
and a hidden test (2 points, through ``numpy.testing``) check it. Submissions are the
released notebook with the solution cell written by the
test: a right answer, a wrong one, or code that attacks the grader.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from dlgrader import gradebook, nbgrader_app, notebooks
from dlgrader.course import ROOT, Course
from dlgrader.submissions import submit

ASSIGNMENT = "tiny"
RIGHT = "def add(a, b):\n    return a + b"
WRONG = "def add(a, b):\n    return a - b"
MAX_SCORE = 3.0
FORMULA = "$a + b$"  # for MathJax to render


def _cell(kind: str, source: str, grade_id: str | None = None, **nbgrader: object):
    make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    cell = make(source)
    meta = {"grade": False, "solution": False, "locked": True, **nbgrader}
    cell.metadata["nbgrader"] = {"schema_version": 3, "grade_id": grade_id or "", **meta}
    return cell


WRITTEN_POINTS = 2.0  # of the written answer, when the course has one
RUBRIC = "Rubric: 2 points for commutativity named."  # the grader's eyes only


def source_notebook(written_answer: bool = False) -> nbformat.NotebookNode:
    """The instructor's notebook of ``tiny``; with ``written_answer``, also a question
    graded by hand (cell ``why``, `WRITTEN_POINTS`) and its rubric (`RUBRIC`, in a mark
    scheme cell)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [
        _cell("markdown", f"# Tiny\n\nWrite `add(a, b)`, which returns {FORMULA}.", "intro"),
        _cell("code", "def add(a, b):\n    ### BEGIN SOLUTION\n    return a + b\n"
                      "    ### END SOLUTION", "add", solution=True, locked=False),
        _cell("code", '"""add adds two integers."""\nfrom dlcourse import checks\n'
                      'checks.assert_true(add(1, 2) == 3, "add(1, 2) is wrong")',
              "test_add_visible", grade=True, points=1),
        _cell("code", '"""add adds floats."""\n### BEGIN HIDDEN TESTS\nimport numpy\n'
                      "numpy.testing.assert_allclose(add(0.5, 0.25), 0.75,"
                      ' err_msg="wrong on floats")'
                      "\n### END HIDDEN TESTS", "test_add_hidden", grade=True, points=2),
    ]
    if written_answer:
        nb.cells.append(_cell("markdown", "YOUR ANSWER HERE", "why", solution=True,
                              grade=True, locked=False, points=WRITTEN_POINTS))
        nb.cells.append(_cell("markdown", f"Graded by hand.\n### BEGIN MARK SCHEME\n{RUBRIC}"
                                          "\n### END MARK SCHEME", "why_rubric"))
    return nb


def make_course(root: Path, written_answer: bool = False, **settings: object) -> Course:
    """A released course of the one assignment ``tiny`` at ``root``; no submissions yet.

    ``settings`` are Course settings (``db_url``, ``workers``, ...).
    """
    folder = root / "source" / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(source_notebook(written_answer), folder / f"{ASSIGNMENT}.ipynb")
    shutil.copy(ROOT / "nbgrader_config.py", root)
    course = Course.load(root, **settings)
    nbgrader_app.generate_assignment(course, ASSIGNMENT)
    return course


def hand_in(course: Course, student: str, code: str, **answers: str) -> Path:
    """Submits the release with ``code`` as the solution of ``add`` and ``answers`` in
    the other solution cells (by grade id); returns the path."""
    release = notebooks.read(notebooks.notebook_path(ASSIGNMENT, course.release_dir))
    return submit(course, student, ASSIGNMENT,
                  notebooks.fill_in(release, {"add": code, **answers}))


def notebook_id(course: Course, student: str) -> str:
    """The gradebook's id of ``student``'s graded notebook (formgrader's URLs name it)."""
    with gradebook.open_gradebook(course) as book:
        return book.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student).id
