"""dlcourse.notebooks and dlcourse.scenarios: taking solutions out, putting answers in."""

from __future__ import annotations

import nbformat
import pytest

from dlgrader import notebooks, scenarios
from dlgrader.course import Course


def _cell(kind, source, **nbgrader):
    make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    meta = {"nbgrader": {"schema_version": 3, **nbgrader}} if nbgrader else {}
    return make(source, metadata=meta)


@pytest.fixture
def released():
    """A tiny released notebook: set-up, one stub, one test, one written answer."""
    return nbformat.v4.new_notebook(
        cells=[
            _cell("code", "import math", grade_id="setup", grade=False, solution=False),
            _cell("code", "def f(x):\n    raise NotImplementedError()", grade_id="f",
                  grade=False, solution=True),
            _cell("code", '"""f is right."""\nassert f(1) == 2', grade_id="test_f", grade=True,
                  solution=False, points=1),
            _cell("markdown", "YOUR ANSWER HERE", grade_id="why", grade=True, solution=True,
                  points=1),
            _cell("code", "f(3)"),
        ]
    )


def test_without_markers_keeps_the_solution_and_drops_the_markers():
    """The reference text is the cell with only the marker lines removed."""
    text = "def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"
    assert notebooks.without_markers(text) == "def f(x):\n    return 2 * x"


def test_cell_kinds_are_told_apart(released):
    """Solutions, tests and free cells are recognised from nbgrader's metadata."""
    assert [notebooks.is_solution(c) for c in released.cells] == [False, True, False, True, False]
    assert notebooks.test_cell_ids(released) == ["test_f"]
    assert notebooks.grade_id(released.cells[-1]) is None


def test_fill_in_writes_answers_and_leaves_the_release_unchanged(released):
    """Named solution cells get the answer; other cells and the input stay as they were."""
    filled = notebooks.fill_in(released, {"f": "def f(x):\n    return 2 * x"})
    assert filled.cells[1].source == "def f(x):\n    return 2 * x"
    assert "NotImplementedError" in released.cells[1].source
    assert filled.cells[3].source == "YOUR ANSWER HERE"


def test_fill_in_refuses_unknown_and_locked_cells(released):
    """A typo in a cell name, or an answer aimed at a test cell, is an error."""
    with pytest.raises(KeyError, match="nope"):
        notebooks.fill_in(released, {"nope": ""})
    with pytest.raises(ValueError, match="test_f"):
        notebooks.fill_in(released, {"test_f": ""})


def test_apply_bug_needs_exactly_one_match():
    """A bug whose text is missing from, or repeated in, the reference is reported."""
    answers = {"f": "return 2 * x  # 2 * x"}
    bug = scenarios.Bug("b", "f", find="2 * x", replace="3 * x", fails=("test_f",))
    with pytest.raises(ValueError, match="2 times"):
        scenarios.apply_bug(answers, bug)
    edited = scenarios.apply_bug({"f": "return 2 * x"}, bug)
    assert edited == {"f": "return 3 * x"}


def test_load_reads_bugs_and_students(tmp_path):
    """The TOML catalogue becomes Bug and Student records."""
    (tmp_path / "hw.toml").write_text(
        'notebook = "hw.ipynb"\n'
        '[[bug]]\nname = "b"\ncell = "f"\nfind = "2"\nreplace = "3"\nfails = ["test_f"]\n'
        'borderline = ["test_g"]\n'
        '[[student]]\nname = "s"\nbugs = ["b"]\nblank = ["g"]\n'
    )
    catalogue = scenarios.load("hw", tmp_path)
    assert catalogue.bugs["b"].fails == ("test_f",)
    assert catalogue.bugs["b"].borderline == ("test_g",)
    assert catalogue.students["s"] == scenarios.Student("s", ("b",), ("g",))
    assert scenarios.load("absent", tmp_path).bugs == {}


def test_readme_course_map_matches_the_notebooks():
    """The README's course map is the one the notebooks give today (dlcourse.cli course-map)."""
    from dlgrader import cli

    course = Course.load()
    readme = (course.root / "README.md").read_text()
    expected = cli.course_map(course, course.assignments())
    assert expected in readme, "out of date: paste the output of python -m dlcourse.cli course-map"
