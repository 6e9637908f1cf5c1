"""Reading the course's nbgrader notebooks, and filling a released notebook in.

A source notebook (``source/<assignment>/<assignment>.ipynb``) holds the reference
solutions between ``### BEGIN SOLUTION`` and ``### END SOLUTION``; its release holds a
stub in their place. This module finds cells by their nbgrader ``grade_id``, takes the
reference text out of a solution cell, and writes submissions: a released notebook with
some solution cells filled in. The instructor's demo and the grader tests use it; so
does a benchmark that needs the reference functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIR = ROOT / "source"
RELEASE_DIR = ROOT / "release"

SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN_TEST_MARKERS = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
SETUP_CELL = "setup"


def assignments() -> list[str]:
    """The assignment ids, one per folder of ``source/``, sorted."""
    return sorted(path.parent.name for path in SOURCE_DIR.glob("*/*.ipynb"))


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


def reference_answers(assignment: str) -> dict[str, str]:
    """Maps each solution cell's grade_id to its reference text, markers removed."""
    nb = read(notebook_path(assignment))
    return {grade_id(cell): without_markers(cell.source) for cell in nb.cells if is_solution(cell)}


def reference_namespace(assignment: str) -> dict[str, object]:
    """Runs the set-up cell and every solution code cell of the source notebook.

    Returns:
        The resulting global names: the reference functions, by name.
    """
    nb = read(notebook_path(assignment))
    namespace: dict[str, object] = {"__name__": f"reference_{assignment}"}
    for cell in nb.cells:
        if cell.cell_type == "code" and (grade_id(cell) == SETUP_CELL or is_solution(cell)):
            code = compile(without_markers(cell.source), f"<{assignment}:{grade_id(cell)}>", "exec")
            exec(code, namespace)
    return namespace


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
