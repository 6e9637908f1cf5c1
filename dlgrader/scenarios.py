"""Example submissions, kept as data: realistic bugs and the students made of them.

``grader_tests/scenarios/<assignment>.toml`` lists ``[[bug]]`` entries (one edit of one
reference solution cell, and the test cells it must fail) and ``[[student]]`` entries
(bugs and blank cells combined into one example submission). CONTRIBUTING.md describes
the format. Every submission is built from the released notebook, so what is graded is
what a student could really hand in.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from dlgrader import notebooks

SCENARIO_DIR = notebooks.ROOT / "grader_tests" / "scenarios"


@dataclass(frozen=True)
class Bug:
    """One wrong answer: ``find`` replaced by ``replace`` in one solution cell."""

    name: str
    cell: str
    find: str
    replace: str
    fails: tuple[str, ...]
    why: str = ""
    flagged: bool = False  # a cheat that tampers with the tests: the grader must flag it
    # Test cells whose verdict on this bug rests on a training run that ends near the
    # cell's threshold (hw5's CNN without its last ReLU reached 0.9797 against 0.98 in one
    # run and passed in earlier ones): losing their points and keeping them are both right.
    borderline: tuple[str, ...] = ()


@dataclass(frozen=True)
class Student:
    """An example submission: the reference, with some bugs and some cells left blank."""

    name: str
    bugs: tuple[str, ...] = ()
    blank: tuple[str, ...] = ()


@dataclass(frozen=True)
class Catalogue:
    """The scenarios of one assignment."""

    assignment: str
    bugs: dict[str, Bug] = field(default_factory=dict)
    students: dict[str, Student] = field(default_factory=dict)


def catalogue_path(assignment: str, directory: Path = SCENARIO_DIR) -> Path:
    """Where an assignment's scenarios live."""
    return directory / f"{assignment}.toml"


def load(assignment: str, directory: Path = SCENARIO_DIR) -> Catalogue:
    """Reads an assignment's scenarios; an assignment without a file has none."""
    path = catalogue_path(assignment, directory)
    if not path.exists():
        return Catalogue(assignment)
    data = tomllib.loads(path.read_text())
    bugs = {
        entry["name"]: Bug(
            name=entry["name"],
            cell=entry["cell"],
            find=entry["find"],
            replace=entry["replace"],
            fails=tuple(entry["fails"]),
            why=entry.get("why", ""),
            flagged=entry.get("flagged", False),
            borderline=tuple(entry.get("borderline", ())),
        )
        for entry in data.get("bug", [])
    }
    students = {
        entry["name"]: Student(
            name=entry["name"],
            bugs=tuple(entry.get("bugs", ())),
            blank=tuple(entry.get("blank", ())),
        )
        for entry in data.get("student", [])
    }
    return Catalogue(assignment, bugs, students)


def apply_bug(answers: dict[str, str], bug: Bug) -> dict[str, str]:
    """The answers with one bug written into its cell.

    Raises:
        ValueError: the text to replace does not occur exactly once in that cell, so the
            catalogue no longer matches the reference solution.
    """
    text = answers[bug.cell]
    count = text.count(bug.find)
    if count != 1:
        raise ValueError(
            f"bug {bug.name!r}: the text to replace occurs {count} times in cell "
            f"{bug.cell!r} of the reference (it must occur once)"
        )
    return {**answers, bug.cell: text.replace(bug.find, bug.replace)}


def submission(
    assignment: str,
    *,
    bugs: tuple[Bug, ...] = (),
    blank: tuple[str, ...] = (),
    release_dir: Path = notebooks.RELEASE_DIR,
) -> nbformat.NotebookNode:
    """The released notebook filled in with the reference, then broken as asked.

    Args:
        assignment: the assignment id.
        bugs: wrong answers to write in.
        blank: solution cells the student left as released.
        release_dir: where the released notebooks are.
    """
    answers = notebooks.reference_answers(assignment)
    for bug in bugs:
        answers = apply_bug(answers, bug)
    for cell_id in blank:
        if cell_id not in answers:
            raise KeyError(f"no solution cell {cell_id!r} in {assignment}")
        del answers[cell_id]
    release_nb = notebooks.read(notebooks.notebook_path(assignment, release_dir))
    return notebooks.fill_in(release_nb, answers)


def student_submission(
    catalogue: Catalogue, student: Student, release_dir: Path = notebooks.RELEASE_DIR
) -> nbformat.NotebookNode:
    """The submission of one of the catalogue's example students."""
    bugs = tuple(catalogue.bugs[name] for name in student.bugs)
    return submission(catalogue.assignment, bugs=bugs, blank=student.blank, release_dir=release_dir)
