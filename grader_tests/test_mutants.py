"""Realistic wrong submissions lose points on the tests meant to catch them, and only there."""

from __future__ import annotations

import pytest

from dlgrader import notebooks, scenarios
from dlgrader.course import Course

from .conftest import BUG_PREFIX

ASSIGNMENTS = Course.load().assignments()
CATALOGUES = {assignment: scenarios.load(assignment) for assignment in ASSIGNMENTS}
BUGS = [(a, bug) for a, catalogue in CATALOGUES.items() for bug in catalogue.bugs.values()]
# Each assignment's catalogue covers its most common mistakes; hw2 has many small tasks.
MIN_BUGS = {"hw2_layers": 15}
DEFAULT_MIN_BUGS = 5


@pytest.mark.parametrize(("assignment", "bug"), BUGS, ids=[f"{a}:{b.name}" for a, b in BUGS])
def test_bug_loses_points_exactly_on_its_tests(graded, assignment, bug):
    """The bug's submission loses points on the cells listed in `fails` and keeps the rest
    (but its `borderline` cells, which may go either way)."""
    scores = graded(assignment)["scores"][BUG_PREFIX + bug.name]
    tests = notebooks.test_cell_ids(notebooks.read(notebooks.notebook_path(assignment)))
    lost = {cell for cell in tests if scores[cell].score < scores[cell].max_score}
    assert lost >= set(bug.fails), f"not caught by {sorted(set(bug.fails) - lost)}"
    allowed = set(bug.fails) | set(bug.borderline)
    assert lost <= allowed, f"also loses points on {sorted(lost - allowed)}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_catalogue_matches_the_notebook(assignment):
    """Bugs edit real solution cells, name real test cells, and students use real bugs."""
    catalogue = CATALOGUES[assignment]
    nb = notebooks.read(notebooks.notebook_path(assignment))
    solutions = {notebooks.grade_id(c) for c in nb.cells if notebooks.is_solution(c)}
    tests = set(notebooks.test_cell_ids(nb))
    minimum = MIN_BUGS.get(assignment, DEFAULT_MIN_BUGS) if tests else 0
    assert len(catalogue.bugs) >= minimum
    answers = notebooks.reference_answers(assignment)
    for bug in catalogue.bugs.values():
        assert bug.cell in solutions, bug.name
        assert bug.fails and set(bug.fails) <= tests, bug.name
        assert set(bug.borderline) <= tests - set(bug.fails), bug.name
        scenarios.apply_bug(answers, bug)  # raises unless `find` occurs once
    for student in catalogue.students.values():
        assert set(student.bugs) <= set(catalogue.bugs), student.name
        assert set(student.blank) <= solutions, student.name
        cells = [catalogue.bugs[name].cell for name in student.bugs]
        assert len(cells) == len(set(cells)), f"{student.name}: two bugs in one cell"
