"""Reading the course's nbgrader notebooks, and filling a released notebook in.

A source notebook (``source/<assignment>/<assignment>.ipynb``) holds the reference
solutions between ``### BEGIN SOLUTION`` and ``### END SOLUTION``; its release holds a
stub in their place. This module finds cells by their nbgrader ``grade_id``, takes the
reference text out of a solution cell, and writes submissions: a released notebook with
some solution cells filled in. The instructor's demo and the grader tests use it; so
does a benchmark that needs the reference functions.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path

import nbformat

from dlgrader.course import ROOT

SOURCE_DIR = ROOT / "source"
RELEASE_DIR = ROOT / "release"

SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN_TEST_MARKERS = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
MARK_SCHEME_MARKERS = ("### BEGIN MARK SCHEME", "### END MARK SCHEME")  # a rubric
SETUP_CELL = "setup"


def notebook_path(assignment: str, directory: Path = SOURCE_DIR) -> Path:
    """The path of an assignment's notebook: ``<directory>/<assignment>/<assignment>.ipynb``."""
    return directory / assignment / f"{assignment}.ipynb"


def read(path: Path) -> nbformat.NotebookNode:
    """Reads a notebook in format version 4."""
    return nbformat.read(path, as_version=4)


def grade_id(cell: nbformat.NotebookNode) -> str | None:
    """The cell's nbgrader ``grade_id``, or None for a cell nbgrader does not track."""
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def is_solution(cell: nbformat.NotebookNode) -> bool:
    """True for a cell the student writes in (code or written answer)."""
    return bool(cell.metadata.get("nbgrader", {}).get("solution"))


def is_test(cell: nbformat.NotebookNode) -> bool:
    """True for an autograded test cell: graded, not written by the student."""
    meta = cell.metadata.get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution") and cell.cell_type == "code"


def cells_by_id(nb: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    """Maps each grade_id of the notebook to its cell."""
    return {grade_id(cell): cell for cell in nb.cells if grade_id(cell)}


def test_cell_ids(nb: nbformat.NotebookNode) -> list[str]:
    """The grade_ids of the autograded test cells, in notebook order."""
    return [grade_id(cell) for cell in nb.cells if is_test(cell)]


def without_markers(text: str, markers: tuple[str, str] = SOLUTION_MARKERS) -> str:
    """The text of a cell with its marker lines removed and what they enclose kept.

    Applied to a solution cell, this is what a student who solved the task would have
    written: the reference solution as plain code.
    """
    kept = [line for line in text.splitlines() if line.strip() not in markers]
    return "\n".join(kept)


def reference_answers(assignment: str, source_dir: Path = SOURCE_DIR) -> dict[str, str]:
    """Maps each solution cell's grade_id to its reference text, markers removed."""
    nb = read(notebook_path(assignment, source_dir))
    return {grade_id(cell): without_markers(cell.source) for cell in nb.cells if is_solution(cell)}


def reference_code(assignment: str, source_dir: Path = SOURCE_DIR) -> list[tuple[str, str]]:
    """The set-up cell and every solution code cell of the source notebook, in order.

    Returns:
        (grade_id, code with the markers removed) pairs.
    """
    nb = read(notebook_path(assignment, source_dir))
    return [
        (grade_id(cell), without_markers(cell.source))
        for cell in nb.cells
        if cell.cell_type == "code" and (grade_id(cell) == SETUP_CELL or is_solution(cell))
    ]


def reference_api(assignment: str, source_dir: Path = SOURCE_DIR) -> list[tuple[str, str]]:
    """The set-up cell and the solution cells that define the assignment's functions and
    classes (see ``_top_level_definitions``), in order, as ``reference_code`` gives them.

    Answers (numbers, sympy expressions) are left out: they may use names that cells
    other than the set-up define.
    """
    return [(cell_id, code) for cell_id, code in reference_code(assignment, source_dir)
            if cell_id == SETUP_CELL or cell_id in _top_level_definitions(code)]


def reference_namespace(assignment: str) -> dict[str, object]:
    """Runs the reference API of an assignment (see ``reference_api``).

    Returns:
        The resulting global names: the set-up's and the reference functions, by name.
    """
    namespace: dict[str, object] = {"__name__": f"reference_{assignment}"}
    for cell_id, code in reference_api(assignment):
        exec(compile(code, f"<{assignment}:{cell_id}>", "exec"), namespace)
    return namespace


def reference_module(assignment: str, source_dir: Path = SOURCE_DIR) -> str:
    """The reference code of an assignment as the text of a Python module.

    A later assignment that builds on this one ships it, generated by ``make release``,
    once this one's deadline has passed.
    """
    header = (
        f'"""The reference solution of {assignment}, for the assignments that build on it.\n\n'
        f"Generated from source/{assignment}/{assignment}.ipynb by `make release`: do not edit.\n"
        'Replace it with your own module if you like; the grader uses this one.\n"""\n'
    )
    cells = reference_api(assignment, source_dir)
    return header + "".join(f"\n\n# --- {cell_id}\n{code}\n" for cell_id, code in cells)


def _top_level_definitions(code: str) -> set[str]:
    """Names of the functions and classes that ``code`` defines at its top level.

    A solution cell belongs to an assignment's API when it defines the function or class
    its grade_id names; answers (numbers, sympy expressions) and helper functions of a
    derivation task stay in the notebook.
    """
    return {node.name for node in ast.parse(code).body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


def fill_in(
    release_nb: nbformat.NotebookNode, answers: Mapping[str, str]
) -> nbformat.NotebookNode:
    """A copy of a released notebook with some solution cells filled in.

    Args:
        release_nb: the notebook as released to students.
        answers: grade_id -> the text the student wrote in that solution cell; solution
            cells not named keep their released stub.

    Returns:
        The submission, as nbformat would save it.
    """
    submission = nbformat.from_dict(release_nb)
    by_id = cells_by_id(submission)
    unknown = sorted(set(answers) - set(by_id))
    if unknown:
        raise KeyError(f"no such cells in the released notebook: {', '.join(unknown)}")
    for cell_id, text in answers.items():
        if not is_solution(by_id[cell_id]):
            raise ValueError(f"cell {cell_id!r} is not a solution cell")
        by_id[cell_id].source = text
    return submission
