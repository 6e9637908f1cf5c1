"""The committed release is what nbgrader makes from source/, and it gives nothing away."""

from __future__ import annotations

import ast
import re

import pytest
from IPython.core.displayhook import DisplayHook

from dlgrader import cli, notebooks
from dlgrader.course import Course

ASSIGNMENTS = Course.load().assignments()
PAIRS = (notebooks.SOLUTION_MARKERS, notebooks.HIDDEN_TEST_MARKERS,
         notebooks.MARK_SCHEME_MARKERS)
MARKERS = tuple(marker for pair in PAIRS for marker in pair)
# Lines shorter than this ("return dx", "_test()") may honestly appear in both versions.
MIN_SECRET_LINE = 16


def _files(directory):
    return sorted(p.relative_to(directory) for p in directory.rglob("*") if p.is_file())


def _secret_lines(source_nb) -> set[str]:
    """Lines written only between solution, hidden-test or mark-scheme markers of the
    source."""
    inside, outside = set(), set()
    for cell in source_nb.cells:
        hidden = False
        for line in cell.source.splitlines():
            text = line.strip()
            if text in (begin for begin, _ in PAIRS):
                hidden = True
            elif text in (end for _, end in PAIRS):
                hidden = False
            elif text:
                (inside if hidden else outside).add(text)
    return {line for line in inside - outside if len(line) >= MIN_SECRET_LINE}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_matches_generate_assignment(graded, assignment):
    """release/ is exactly what nbgrader generate_assignment produces from source/ now."""
    generated = graded(assignment)["course_dir"] / "release" / assignment
    committed = notebooks.RELEASE_DIR / assignment
    assert _files(committed) == _files(generated), "release/ holds other files: run make release"
    for name in _files(generated):
        if name.suffix == ".ipynb":
            same = notebooks.read(committed / name) == notebooks.read(generated / name)
        else:
            same = (committed / name).read_bytes() == (generated / name).read_bytes()
        assert same, f"release/{assignment}/{name} is stale: run make release and commit it"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_strips_solutions_and_hidden_tests(assignment):
    """No marker, no line of a reference solution, hidden test or rubric reaches the
    release."""
    secrets = _secret_lines(notebooks.read(notebooks.notebook_path(assignment)))
    assert secrets, "the source notebook has no solutions or hidden tests to protect"
    for path in (notebooks.RELEASE_DIR / assignment).rglob("*"):
        if not path.is_file():
            continue
        text = path.read_text(errors="replace")
        if path.suffix == ".ipynb":
            nb = notebooks.read(path)
            lines = {ln.strip() for cell in nb.cells for ln in cell.source.splitlines()}
        else:
            lines = {ln.strip() for ln in text.splitlines()}
        for marker in MARKERS:
            assert marker not in text, f"{path.name} still holds {marker!r}"
        leaked = sorted(lines & secrets)
        assert not leaked, f"{path.name} leaks {len(leaked)} line(s), e.g. {leaked[0]!r}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_stubs_raise_not_implemented(assignment):
    """Every code solution cell of the release is a stub that fails loudly."""
    release_nb = notebooks.read(notebooks.notebook_path(assignment, notebooks.RELEASE_DIR))
    stubs = [c for c in release_nb.cells if notebooks.is_solution(c) and c.cell_type == "code"]
    assert stubs
    for cell in stubs:
        assert re.search(r"raise NotImplementedError", cell.source), notebooks.grade_id(cell)


def test_generated_modules_are_current():
    """Each generated module comes from a real assignment, and is current where it is used."""
    for (assignment, file_name), origin in cli.GENERATED_MODULES.items():
        assert origin in ASSIGNMENTS, f"{file_name} is generated from a missing assignment"
        compile(notebooks.reference_module(origin), file_name, "exec")
        if assignment in ASSIGNMENTS:
            path = notebooks.SOURCE_DIR / assignment / file_name
            assert path.exists(), f"{assignment}/{file_name} is missing: run make release"
            current = path.read_text() == notebooks.reference_module(origin)
            assert current, f"{assignment}/{file_name} is stale: run make release"


def test_reference_module_runs_and_defines_the_layers():
    """hw2's reference, as a module, defines the layer API that later assignments use."""
    namespace: dict = {}
    exec(notebooks.reference_module("hw2_layers"), namespace)
    for name in ("fc_forward", "conv_backward", "softmax_loss", "batchnorm_forward"):
        assert callable(namespace[name]), name


@pytest.mark.parametrize(("assignment", "names"), [
    ("hw2_layers", ("conv_forward", "conv_backward", "max_pool_forward", "max_pool_backward")),
    ("hw3_classifiers", ("ConvNet", "Solver", "adam")),
])
def test_reference_namespace_runs(assignment, names, monkeypatch):
    """The benchmarks' view of a reference: its set-up and API cells run on their own,
    without the answer cells that use names from cells in between."""
    monkeypatch.syspath_prepend(str(notebooks.SOURCE_DIR / assignment))  # hw3's layers.py
    namespace = notebooks.reference_namespace(assignment)
    for name in names:
        assert callable(namespace[name]), name


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_test_cells_print_nothing(assignment):
    """A test cell whose checks are all hidden is only its docstring in the release; it
    must not echo it as an output, which nbgrader's validate would also read as a partial
    score ("cannot be converted to a float")."""
    release_nb = notebooks.read(notebooks.notebook_path(assignment, notebooks.RELEASE_DIR))
    for cell in release_nb.cells:
        if notebooks.is_test(cell):
            last = ast.parse(cell.source).body[-1]
            echoes = isinstance(last, ast.Expr) and not isinstance(last.value, ast.Call)
            quiet = DisplayHook.semicolon_at_end_of_expression(cell.source)
            assert quiet or not echoes, f"{notebooks.grade_id(cell)} echoes its last expression"
