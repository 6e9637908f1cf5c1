"""The real nbgrader autograde: the reference gets full marks, the blank release zero."""

from __future__ import annotations

import ast

import pytest

from dlgrader import notebooks, scenarios
from dlgrader.course import Course

from .conftest import BLANK, BUG_PREFIX, REFERENCE

ASSIGNMENTS = Course.load().assignments()


def _source(assignment):
    return notebooks.read(notebooks.notebook_path(assignment))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_gets_full_marks(graded, assignment):
    """Every autograded test cell gives the reference solution all its points."""
    scores = graded(assignment)["scores"][REFERENCE]
    tests = notebooks.test_cell_ids(_source(assignment))
    missing = sorted(set(tests) - set(scores))
    assert not missing, f"not graded: {missing}"
    lost = [cell for cell in tests if scores[cell].score < scores[cell].max_score]
    assert not lost, f"the reference loses points on {lost} (an error or stderr output)"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_written_answers_wait_for_a_human(graded, assignment):
    """A written answer that was filled in is left to manual grading, not scored by machine."""
    scores = graded(assignment)["scores"][REFERENCE]
    tests = set(notebooks.test_cell_ids(_source(assignment)))
    for cell, score in scores.items():
        if cell not in tests:
            assert score.needs_manual_grade, f"{cell} was graded without a human"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_blank_release_scores_zero(graded, assignment):
    """The release handed in unchanged scores 0 on every graded cell."""
    scores = graded(assignment)["scores"][BLANK]
    assert scores
    earned = {cell: s.score for cell, s in scores.items() if s.score > 0}
    assert not earned, f"the blank release earns points on {sorted(earned)}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_autograde_grades_every_submission(graded, assignment):
    """No submission fails to grade: every one ends graded, with a score for every test."""
    result = graded(assignment)
    failed = {student: reason for student, (status, reason, _) in result["results"].items()
              if status != "graded"}
    assert not failed, f"not graded: {failed}"
    tests = set(notebooks.test_cell_ids(_source(assignment)))
    for student, scores in result["scores"].items():
        assert tests <= set(scores), f"{student} is missing grades"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_flags_only_the_cheats(graded, assignment):
    """The canaries flag every catalogued cheat, and nothing else: not the reference, not
    the blank release, not an honest bug."""
    cheats = {BUG_PREFIX + bug.name for bug in scenarios.load(assignment).bugs.values()
              if bug.flagged}
    flags = {student: flags for student, (_, _, flags) in graded(assignment)["results"].items()}
    wrongly = {student: flag for student, flag in flags.items() if flag and student not in cheats}
    assert not wrongly, f"flagged for nothing: {wrongly}"
    missed = sorted(student for student in cheats if not flags[student])
    assert not missed, f"cheats not flagged: {missed}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_test_cells_have_points_and_say_what_they_check(assignment):
    """Each test cell carries points and opens with a one-line docstring."""
    for cell in _source(assignment).cells:
        if not notebooks.is_test(cell):
            continue
        cell_id = notebooks.grade_id(cell)
        assert cell_id.startswith("test_"), cell_id
        assert cell.metadata["nbgrader"].get("points", 0) > 0, cell_id
        body = ast.parse(notebooks.without_markers(cell.source, notebooks.HIDDEN_TEST_MARKERS))
        assert ast.get_docstring(body), f"{cell_id} does not open with a docstring"
