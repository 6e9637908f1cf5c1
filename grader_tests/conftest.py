"""Fixtures that run the real nbgrader once per assignment and share what it produced.

Each assignment is graded in a course directory of its own (a copy of ``source/`` and
``nbgrader_config.py``): nbgrader regenerates its release there, then autogrades, in one
call, the reference solution, the unchanged release and every bug of the assignment's
scenario catalogue. Under pytest-xdist the workers share that work through a lock, so
each assignment is graded once per test run, whichever worker asks first.

Two small fixtures serve the tests of the data loaders: ``fresh_cache`` and
``data_script``.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path
from types import ModuleType

import pytest
from filelock import FileLock, Timeout

from dlcourse import data, grading, notebooks, scenarios

REFERENCE = "reference"
BLANK = "blank"
BUG_PREFIX = "bug-"


def _make_course(course_dir: Path, assignment: str) -> None:
    """A course directory holding one assignment's source and the course's config."""
    (course_dir / "source").mkdir(parents=True)
    shutil.copytree(notebooks.SOURCE_DIR / assignment, course_dir / "source" / assignment)
    shutil.copy(notebooks.ROOT / "nbgrader_config.py", course_dir)


def _grade(course_dir: Path, assignment: str) -> dict:
    """Releases, submits the scenarios, autogrades; returns the scores per student."""
    _make_course(course_dir, assignment)
    grading.generate_release(course_dir, assignment)
    release_dir = course_dir / "release"
    catalogue = scenarios.load(assignment)
    reference = scenarios.submission(assignment, release_dir=release_dir)
    blank = notebooks.read(notebooks.notebook_path(assignment, release_dir))
    grading.submit(course_dir, assignment, REFERENCE, reference)
    grading.submit(course_dir, assignment, BLANK, blank)
    for bug in catalogue.bugs.values():
        nb = scenarios.submission(assignment, bugs=(bug,), release_dir=release_dir)
        grading.submit(course_dir, assignment, BUG_PREFIX + bug.name, nb)
    log = grading.autograde(course_dir, assignment)
    scores = grading.cell_scores(course_dir, assignment)
    return {
        "log": log,
        "scores": {
            student: {cell: vars(score) for cell, score in cells.items()}
            for student, cells in scores.items()
        },
    }


@pytest.fixture(scope="session")
def shared_dir(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """A folder that every xdist worker of this run sees."""
    base = tmp_path_factory.getbasetemp()
    return base if worker_id == "master" else base.parent


@pytest.fixture(scope="session")
def graded(shared_dir: Path):
    """graded(assignment) -> the course directory and the scores nbgrader gave.

    Returns a function; its result is a dict with ``course_dir`` (Path), ``log`` (the
    autograde log) and ``scores`` (student -> grade_id -> CellScore).

    While another worker is grading the assignment asked for, this worker grades one
    that nobody has started, so that both stay busy.
    """

    def result_file(assignment: str) -> Path:
        return shared_dir / f"graded-{assignment}.json"

    def grade_if_free(assignment: str, timeout: float) -> bool:
        """Grades the assignment unless it is done or locked; False if it was locked."""
        try:
            with FileLock(str(result_file(assignment)) + ".lock", timeout=timeout):
                if not result_file(assignment).exists():
                    course_dir = shared_dir / f"course-{assignment}"
                    result = _grade(course_dir, assignment)
                    result_file(assignment).write_text(json.dumps(result))
            return True
        except Timeout:
            return False

    def get(assignment: str) -> dict:
        while not grade_if_free(assignment, timeout=0):
            pending = [a for a in notebooks.assignments() if not result_file(a).exists()]
            if not any(grade_if_free(other, timeout=0) for other in pending if other != assignment):
                grade_if_free(assignment, timeout=-1)  # nothing else to do: wait for it
        result = json.loads(result_file(assignment).read_text())
        scores = {
            student: {cell: grading.CellScore(**score) for cell, score in cells.items()}
            for student, cells in result["scores"].items()
        }
        course_dir = shared_dir / f"course-{assignment}"
        return {"course_dir": course_dir, "log": result["log"], "scores": scores}

    return get


@pytest.fixture
def fresh_cache():
    """Loaders that read the files again, before and after the test."""
    data.clear_cache()
    yield
    data.clear_cache()


@pytest.fixture
def data_script():
    """Imports data/<name>.py, a build script rather than part of a package."""

    def import_script(name: str) -> ModuleType:
        spec = importlib.util.spec_from_file_location(name, data.DATA_DIR / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return import_script
