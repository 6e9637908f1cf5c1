"""Fixtures that grade every assignment once, on the grading engine, and share the result.

One course directory holds a copy of ``source/`` and ``nbgrader_config.py``: nbgrader
regenerates its release there, then the engine (a local Dask cluster of two workers)
grades, in one run, for every assignment, the reference solution, the unchanged release
and every bug of the assignment's scenario catalogue. Under pytest-xdist the workers
share that run through a lock: whichever asks first grades, the other waits or works on
tests that need no grades.

While one assignment is being changed, ``GRADE_ONLY=hw3_classifiers pytest
grader_tests/test_mutants.py -k hw3`` grades only that one (comma-separated ids); tests
of the others then have nothing to read, so select the assignment's tests with ``-k``.

Two small fixtures serve the tests of the data loaders: ``fresh_cache`` and
``data_script``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from pathlib import Path
from types import ModuleType

import pytest
from filelock import FileLock

from dlcourse import data
from dlgrader import engine, gradebook, nbgrader_app, notebooks, scenarios
from dlgrader.course import ROOT, Course
from dlgrader.submissions import find_submissions, submit

REFERENCE = "reference"
BLANK = "blank"
BUG_PREFIX = "bug-"
ENGINE_WORKERS = 2


def _assignments_to_grade(course: Course) -> list[str]:
    """Every assignment, or those named in ``GRADE_ONLY`` (an unknown id is an error)."""
    every = course.assignments()
    only = [a for a in os.environ.get("GRADE_ONLY", "").split(",") if a]
    unknown = sorted(set(only) - set(every))
    if unknown:
        raise ValueError(f"GRADE_ONLY names no assignment of the course: {unknown}")
    return only or every


def _grade_everything(course_dir: Path) -> dict:
    """Releases every assignment, submits its scenarios and grades them all in one run.

    Returns:
        JSON-ready: ``results`` (student -> assignment -> status and reason) and
        ``scores`` (assignment -> student -> grade_id -> CellScore fields).
    """
    shutil.copytree(notebooks.SOURCE_DIR, course_dir / "source")
    shutil.copy(ROOT / "nbgrader_config.py", course_dir)
    # Scores are what these tests check; feedback pages (several seconds of HTML each) are
    # checked on the tiny assignment by test_engine.py and test_sandbox.py.
    course = Course.load(course_dir, workers=ENGINE_WORKERS, db_url="sqlite:///gradebook.db",
                         feedback=False)
    assignments = _assignments_to_grade(course)
    for assignment in assignments:
        nbgrader_app.generate_assignment(course, assignment)
        catalogue = scenarios.load(assignment)
        release_dir = course.release_dir
        submit(course, REFERENCE, assignment,
               scenarios.submission(assignment, release_dir=release_dir))
        submit(course, BLANK, assignment,
               notebooks.read(notebooks.notebook_path(assignment, release_dir)))
        for bug in catalogue.bugs.values():
            nb = scenarios.submission(assignment, bugs=(bug,), release_dir=release_dir)
            submit(course, BUG_PREFIX + bug.name, assignment, nb)
    submissions = find_submissions(course, assignments)
    engine.prepare(course, submissions)
    results = engine.run(course, submissions, progress=False)
    return {
        "results": {f"{r.student}/{r.assignment}": [r.status, r.reason, r.flags]
                    for r in results},
        "scores": {
            assignment: {
                student: {cell: vars(score) for cell, score in cells.items()}
                for student, cells in gradebook.cell_scores(course, assignment).items()
            }
            for assignment in assignments
        },
    }


@pytest.fixture(scope="session")
def shared_dir(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """A folder that every xdist worker of this run sees."""
    base = tmp_path_factory.getbasetemp()
    return base if worker_id == "master" else base.parent


@pytest.fixture(scope="session")
def graded(shared_dir: Path):
    """graded(assignment) -> the course directory and what the engine gave.

    Returns a function; its result is a dict with ``course_dir`` (Path), ``results``
    (student -> [status, reason, flags]) and ``scores`` (student -> grade_id -> CellScore).
    """
    result_file = shared_dir / "graded.json"
    course_dir = shared_dir / "course"
    with FileLock(str(result_file) + ".lock"):
        if not result_file.exists():
            result_file.write_text(json.dumps(_grade_everything(course_dir)))
    everything = json.loads(result_file.read_text())

    def get(assignment: str) -> dict:
        results = {key.split("/")[0]: value for key, value in everything["results"].items()
                   if key.split("/")[1] == assignment}
        scores = {
            student: {cell: gradebook.CellScore(**score) for cell, score in cells.items()}
            for student, cells in everything["scores"][assignment].items()
        }
        return {"course_dir": course_dir, "results": results, "scores": scores}

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
