"""Attacks on the grader, graded in one run beside honest and victim students.

The catalogue is data: ``grader_tests/attacks/tiny.toml``. Every attack is a solution
of the ``tiny`` assignment written by a hostile student; the engine grades them all in
the sandbox, with small caps, together with an honest student and a victim. Then:

- no attack scores more than its code earns without the attack, and every attack on
  how tests are judged (patched assertion helpers, IPython hooks) is flagged;
- the honest student and the victim keep full marks;
- no file outside the attackers' own folders changed (checksums);
- nothing connected to a server listening on the grading machine;
- no process of any attack is left;
- every notebook ended within the wall-time cap; the CPU-time cap ends a loop that
  ignores interrupts, the output cap a flood of output;
- the feedback pages carry no script from a submission.
"""

from __future__ import annotations

import csv
import hashlib
import socket
import threading
import tomllib
from pathlib import Path

import psutil
import pytest

from dlgrader import engine, gradebook, report
from dlgrader.course import ROOT
from dlgrader.submissions import find_submissions

from . import tiny_course as tiny

CATALOGUE = Path(__file__).parent / "attacks" / "tiny.toml"
ATTACKS = tomllib.loads(CATALOGUE.read_text())["attack"]
HONEST = ("honest", "victim")
MARKER = "987654"  # the attackers' sleeping processes carry it in their command line
CAPS = {"memory_mb": 2048, "max_processes": 64, "cpu_seconds": 6, "wall_seconds": 25,
        "file_size_mb": 16, "output_mb": 1}


def _checksums(*folders: Path) -> dict[str, str]:
    return {str(path): hashlib.sha256(path.read_bytes()).hexdigest()
            for folder in folders for path in sorted(folder.rglob("*")) if path.is_file()}


class _Listener:
    """A TCP server on 127.0.0.1 that counts the connections it accepts."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.accepted = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            connection.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.socket.close()


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    """Grades every attack with the honest students; returns what the checks need."""
    root = tmp_path_factory.mktemp("attacked")
    course = tiny.make_course(root, workers=2, sandbox=True, **CAPS)
    listener = _Listener()
    try:
        for student in HONEST:
            tiny.hand_in(course, student, tiny.RIGHT)
        for attack in ATTACKS:
            code = attack["code"].format(course=course.root, port=listener.port, marker=MARKER)
            notebook = tiny.hand_in(course, attack["name"], code)
            for name, text in attack.get("files", {}).items():
                (notebook.parent / name).parent.mkdir(parents=True, exist_ok=True)
                (notebook.parent / name).write_text(text)
            if "link" in attack:
                notebook.unlink()
                notebook.symlink_to(course.root / attack["link"])
        protected = [course.source_dir, course.release_dir, *(
            course.submitted_dir / student for student in HONEST),
            ROOT / "dlcourse", ROOT / "dlgrader"]
        before = _checksums(*protected)
        submissions = find_submissions(course, [tiny.ASSIGNMENT])
        engine.prepare(course, submissions)
        results = {r.student: r for r in engine.run(course, submissions, progress=False)}
        after = _checksums(*protected)
    finally:
        listener.close()
    totals = {student: sum(s.score for s in cells.values())
              for student, cells in gradebook.cell_scores(course, tiny.ASSIGNMENT).items()}
    return {"course": course, "results": results, "totals": totals, "before": before,
            "after": after, "connections": listener.accepted}


@pytest.mark.parametrize("attack", ATTACKS, ids=[a["name"] for a in ATTACKS])
def test_attack_scores_no_more_than_its_code_earns(attacked, attack):
    """An attack is graded (or fails alone) and never earns more than its honest part,
    unless it is flagged; an attack on how tests are judged is always flagged."""
    result = attacked["results"][attack["name"]]
    if attack.get("flagged"):
        assert result.flags, f"not flagged: {attack['why']}"
    elif result.status == gradebook.GRADED:
        assert attacked["totals"][attack["name"]] <= attack["earns"], attack["why"]
        assert not result.flags, f"flagged for nothing: {result.flags}"


def test_honest_students_keep_full_marks(attacked):
    """The honest student and the victim are graded right, whatever the others did."""
    for student in HONEST:
        assert attacked["results"][student].status == gradebook.GRADED
        assert not attacked["results"][student].flags, student
        assert attacked["totals"][student] == tiny.MAX_SCORE, student


def test_no_file_outside_the_attackers_folders_changed(attacked):
    """Source, release, classmates' submissions and the student library are untouched."""
    changed = sorted(path for path, digest in attacked["before"].items()
                     if attacked["after"].get(path) != digest)
    assert not changed, changed


def test_no_attack_reached_the_network(attacked):
    """Nothing connected to a server listening on the grading machine's loopback."""
    assert attacked["connections"] == 0


def test_no_process_of_an_attack_survives(attacked):
    """Processes started in the sandbox (new sessions, forks) are gone after grading."""
    survivors = [p.info for p in psutil.process_iter(["pid", "cmdline"])
                 if MARKER in " ".join(p.info["cmdline"] or [])]
    assert not survivors, survivors


def test_every_notebook_ends_within_the_wall_time_cap(attacked):
    """No submission holds a worker much past the per-notebook wall-time cap."""
    slowest = max(attacked["results"].values(), key=lambda r: r.seconds)
    assert slowest.seconds < CAPS["wall_seconds"] + 30, slowest
    slow = attacked["results"]["slow_in_every_cell"]
    assert slow.status == gradebook.FAILED and slow.reason.startswith("timeout"), slow


def test_the_cpu_cap_ends_a_loop_that_ignores_interrupts(attacked):
    """A busy loop that ignores the cell timeout's interrupt dies of the CPU-time cap,
    before the wall-time cap."""
    spin = attacked["results"]["ignores_interrupts_and_spins"]
    assert spin.status == gradebook.FAILED and spin.reason.startswith("crash"), spin
    assert spin.seconds < CAPS["wall_seconds"], spin


def test_the_output_cap_ends_an_output_flood(attacked):
    """A notebook that prints without end is stopped at the output cap, with its reason."""
    flood = attacked["results"]["output_flood"]
    assert flood.status == gradebook.FAILED and flood.reason.startswith("output"), flood
    assert flood.seconds < CAPS["wall_seconds"], flood


def test_the_instructor_sees_every_flag(attacked):
    """Flagged submissions are marked in the score table and carry their evidence in
    grades.csv."""
    course = attacked["course"]
    flagged = sorted(a["name"] for a in ATTACKS if a.get("flagged"))
    table = report.score_table(course, [tiny.ASSIGNMENT])
    for name in flagged:
        row = next(line for line in table.splitlines() if line.startswith(name + " "))
        assert "FLAGGED" in row, row
    lines = {line.student: line for line in report.write_grades(course, [tiny.ASSIGNMENT])}
    with course.grades_csv.open() as file:
        rows = {row["student"]: row for row in csv.DictReader(file)}
    for name in flagged:
        assert rows[name]["flags"] == lines[name].flags != ""


def test_feedback_runs_nothing_from_a_submission(attacked):
    """A script or event handler in a submission's output does not reach the feedback page."""
    course = attacked["course"]
    page = (course.feedback_dir / "script_in_the_feedback" / tiny.ASSIGNMENT / "tiny.html")
    html = page.read_text()
    assert '<script>alert("dlgrader-xss")' not in html, "a script from the output"
    assert "<img src=x onerror" not in html, "an event handler from the output"
