"""Mutation testing finds weak tests: mutants of every kind, caught or survived as they
should be, equivalent ones left out, and the `mutate` command on the grading engine."""

from __future__ import annotations

import nbformat
import pytest

from dlgrader import cli, mutants, notebooks
from dlgrader.course import Course

from . import tiny_course as tiny

EVERY_KIND = '''import numpy as np
def f(x, y, flag):
    """Docstrings are not mutated."""
    ### BEGIN SOLUTION
    total = np.sum(x.T, axis=0, keepdims=True) + y[1] * 0.5
    if flag and -y[0] < 3:
        total += 1
    return np.maximum(total, 0)
    ### END SOLUTION
'''

COUNT = '''def count(n):
    ### BEGIN SOLUTION
    i = 0
    while i < n:
        i += 1
    return i
    ### END SOLUTION
'''


def _notebook(root, name: str, solution: str, tests: list[str]):
    """A source notebook ``name`` with one solution cell and one test cell per test."""
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(solution)
    cell.metadata["nbgrader"] = {"grade_id": "answer", "solution": True, "grade": False,
                                 "locked": False, "schema_version": 3}
    nb.cells = [cell]
    for i, test in enumerate(tests):
        cell = nbformat.v4.new_code_cell(test)
        cell.metadata["nbgrader"] = {"grade_id": f"test{i}", "solution": False, "grade": True,
                                     "points": 1, "locked": True, "schema_version": 3}
        nb.cells.append(cell)
    (root / name).mkdir(parents=True)
    nbformat.write(nb, root / name / f"{name}.ipynb")
    return root


def test_every_kind_of_mutant_and_only_inside_the_solution():
    """Each operator of the issue appears; the lines outside the markers (the signature,
    the docstring) are never changed."""
    found = mutants.generate("f", EVERY_KIND)
    assert {m.operator for m in found} == {
        "arithmetic", "comparison", "boolean", "sign", "constant", "index", "axis",
        "statement", "argument"}
    for mutant in found:
        assert mutant.source.startswith('import numpy as np\n\ndef f(x, y, flag):\n    """Doc')
        assert mutant.source != mutant.original
    assert len({m.source for m in found}) == len(found), "duplicate mutants"
    assert len({m.id for m in found}) == len(found), "ids are not unique"
    descriptions = {m.description for m in found}
    assert {"'+' -> '-'", "drop '.T'", "axis=0 -> axis=1", "drop 'keepdims='", "1 -> 2",
            "0.5 -> 1.0", "'<' -> '<='", "'and' -> 'or'", "drop '-'"} <= descriptions


def test_weak_tests_leave_survivors_strong_tests_catch_all(tmp_path):
    """A test at x = 0 cannot tell 2 * x from 3 * x; one at x = 3 can. A loop that a
    mutant makes endless counts as caught (timeout)."""
    source = _notebook(tmp_path, "weak", "def scale(x):\n    ### BEGIN SOLUTION\n"
                       "    return 2 * x\n    ### END SOLUTION", ["assert scale(0) == 0"])
    weak = mutants.run_in_subprocess(source, "weak")
    survivors = {o.mutant.description for o in weak if not o.caught}
    assert survivors == {"2 -> 3"}, survivors
    assert mutants.kill_rate(weak, {}) == pytest.approx(0.5)
    assert mutants.kill_rate(weak, {next(o.mutant.id for o in weak if not o.caught): "x"}) == 1

    source = _notebook(tmp_path / "strong", "count", COUNT, ["assert count(0) == 0",
                                                             "assert count(3) == 3"])
    strong = mutants.run_in_subprocess(source, "count")
    assert all(o.caught for o in strong), [o for o in strong if not o.caught]
    statuses = {o.mutant.description: o.status for o in strong}
    assert statuses["'+' -> '-'"] == mutants.TIMEOUT
    assert statuses["'<' -> '<='"] == mutants.KILLED
    killed = next(o for o in strong if o.mutant.description == "'<' -> '<='")
    assert killed.test == "test0" and "AssertionError" in killed.error
    timed_out = ", ".join(o.mutant.id for o in strong if o.status == mutants.TIMEOUT)
    assert f"Timed out, counted as caught (2): {timed_out}" in mutants.report("count", strong, {})


def test_a_later_cell_that_starts_threads_does_not_hang_the_mutants(tmp_path):
    """A cell after the solution starts a two-thread OpenMP pool (as hw5's training recipe
    does). The mutants' children run it too, and must get through it, not wait until
    their timeout for threads that only the parent had."""
    threads = ("import torch\ntorch.set_num_threads(2)\n"
               "assert torch.randperm(1_000_000).sort().values[-1] == 999_999")
    source = _notebook(tmp_path, "threads", "def scale(x):\n    ### BEGIN SOLUTION\n"
                       "    return 2 * x\n    ### END SOLUTION", [threads, "assert scale(3) == 6"])
    outcomes = mutants.run_in_subprocess(source, "threads")
    assert [(o.status, o.test) for o in outcomes] == [(mutants.KILLED, "test1")] * 2, outcomes


def test_report_lists_survivors_as_diffs_and_flags_stale_equivalents(tmp_path):
    """The report gives the rate per cell and the diff of each survivor; an 'equivalent'
    mutant that the tests do catch is pointed out."""
    source = _notebook(tmp_path, "weak", "def scale(x):\n    ### BEGIN SOLUTION\n"
                       "    return 2 * x\n    ### END SOLUTION", ["assert scale(0) == 0"])
    outcomes = mutants.run_in_subprocess(source, "weak")
    caught = next(o.mutant.id for o in outcomes if o.caught)
    text = mutants.report("weak", outcomes, {caught: "wrongly listed"})
    assert "| answer | 2 | 1 | 0 | 1 | 50.0% |" in text
    assert "-    return 2 * x\n+    return 3 * x" in text
    assert f"Listed as equivalent but caught (fix the list): {caught}" in text


def test_mutate_command_on_the_engine(tmp_path, capsys):
    """`mutate` runs on the grading engine and prints each assignment's kill rate; the
    minimum kill rate decides the exit status."""
    tiny.make_course(tmp_path)
    argv = ["mutate", "--course-dir", str(tmp_path), "--workers", "1"]
    assert cli.main([*argv, "--min-kill-rate", "1.0"]) == 0
    out = capsys.readouterr().out
    assert "| `tiny` | 100.0% |" in out
    assert Course.load(tmp_path).assignments() == [tiny.ASSIGNMENT]


@pytest.mark.parametrize("assignment", Course.load().assignments())
def test_equivalent_mutants_are_real_and_explained(assignment):
    """Every mutant listed as equivalent is one that `generate` makes from the current
    reference, and says why it computes an accepted answer."""
    nb = notebooks.read(notebooks.notebook_path(assignment))
    ids = {mutant.id for cell in nb.cells if notebooks.is_solution(cell)
           and cell.cell_type == "code"
           for mutant in mutants.generate(notebooks.grade_id(cell), cell.source)}
    for mutant_id, why in mutants.load_equivalents(assignment).items():
        assert mutant_id in ids, f"{mutant_id}: no such mutant (the cell changed?)"
        assert len(why) > 20, f"{mutant_id}: say why it is equivalent"
