"""One grading task: autograde one (student, assignment) and write its feedback.

A task runs on a grading worker (see `dlgrader.engine`). It works in a private directory
of its own, so that tasks never see each other's files and a task killed half-way
leaves nothing behind in the course:

1. copy the submission's notebooks (and nothing else) from ``submitted/``, refusing
   symlinks and oversized files; files beside the notebooks are ignored, so that a
   ``numpy.py`` or a ``dlcourse/`` placed there cannot shadow the real ones;
2. check that each notebook is a notebook nbgrader can grade;
3. run nbgrader's autograde and feedback applications in this process;
4. move ``autograded/<student>/<assignment>`` and ``feedback/<student>/<assignment>``
   into the course, replacing the previous ones;
5. record the result in the gradebook.

Running the same task twice gives the same files and the same gradebook rows.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
import warnings
from pathlib import Path

import nbformat
from nbgrader.converters import Autograde
from nbgrader.preprocessors import CheckCellMetadata, Execute
from sqlalchemy.exc import SAWarning
from traitlets.config import Config

from dlgrader import canaries, gradebook, nbgrader_app
from dlgrader.course import Course
from dlgrader.gradebook import FAILED, GRADED, Result
from dlgrader.submissions import Submission, digest, expected_notebooks

MAX_NOTEBOOK_BYTES = 20 * 2**20
"""A submitted notebook larger than this (bytes) is refused."""
NBGRADER_SCHEMA_VERSION = 3
TRACEBACK_MODE = "Plain"
"""IPython's traceback mode in grading kernels (see `_kernel_config`)."""

# nbgrader's log -> the reason shown to the instructor; the first match wins.
_LOG_REASONS = (
    (re.compile(r"sandbox: the notebook's output passed"),
     "output: the notebook's outputs passed the course's output_mb"),
    (re.compile(r"sandbox: the notebook ran longer than"),
     "timeout: the notebook ran longer than the course's wall_seconds"),
    (re.compile(r"DeadKernelError|Kernel died|kernel.*(?:died|restarted)", re.I),
     "crash: the kernel died (exit, os._exit, a signal or out of memory)"),
    (re.compile(r"UnresponsiveKernelError|became unresponsive", re.I),
     "timeout: the kernel stopped answering"),
    (re.compile(r"MemoryError"), "memory: the kernel ran out of memory"),
    (re.compile(r"SchemaTooNew|SchemaTooOld|newer version|old version", re.I),
     "schema: nbgrader metadata of another version"),
)


class Refused(Exception):
    """The submission cannot be graded as it stands; the message says why."""


def _copy_submission(course: Course, submission: Submission, root: Path) -> None:
    """Copies what is graded into ``root/submitted/...`` and the assignment's own files
    (all but notebooks) into ``root/source/...``, where nbgrader looks for them."""
    src = course.submitted_dir / submission.student / submission.assignment
    dest = root / "submitted" / submission.student / submission.assignment
    dest.mkdir(parents=True)
    timestamp = src / "timestamp.txt"
    if timestamp.is_file() and not timestamp.is_symlink():
        shutil.copyfile(timestamp, dest / "timestamp.txt")
    for name in expected_notebooks(course, submission.assignment):
        path = src / name
        if path.is_symlink():
            raise Refused(f"refused: {name} is a symbolic link, not a notebook")
        if not path.is_file():
            continue  # nbgrader scores a missing notebook 0
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            raise Refused(f"refused: {name} is larger than {MAX_NOTEBOOK_BYTES // 2**20} MiB")
        shutil.copyfile(path, dest / name)
        _check_notebook(dest / name)
    source = course.source_dir / submission.assignment
    shutil.copytree(source, root / "source" / submission.assignment,
                    ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))


def _check_notebook(path: Path) -> None:
    """Raises `Refused` unless the file is a notebook whose nbgrader cells we can read."""
    try:
        nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
        nbformat.validate(nb)
    except (ValueError, nbformat.ValidationError, UnicodeDecodeError) as error:
        first_line = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
        raise Refused(f"invalid notebook: {path.name}: {first_line}") from None
    for cell in nb.cells:
        version = cell.metadata.get("nbgrader", {}).get("schema_version")
        if version is not None and version != NBGRADER_SCHEMA_VERSION:
            raise Refused(f"schema: {path.name} has nbgrader metadata version {version}, "
                          f"this course uses {NBGRADER_SCHEMA_VERSION}")


def _publish(built: Path, dest: Path) -> None:
    """Replaces ``dest`` with ``built`` (two renames; the old copy is then removed)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    old = dest.with_name(f".{dest.name}.old-{uuid.uuid4().hex[:8]}")
    if dest.exists():
        dest.rename(old)
    built.rename(dest)
    if old.exists():
        _remove(old)


def _remove(path: Path) -> None:
    """Removes a tree, including the read-only files nbgrader leaves."""
    for folder, _, files in os.walk(path):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)
    shutil.rmtree(path, ignore_errors=True)


def reason_from_log(log: str) -> str:
    """The instructor's one-line reason for a failed autograde, from nbgrader's log."""
    for pattern, reason in _LOG_REASONS:
        if pattern.search(log):
            return reason
    errors = [line for line in log.splitlines() if line.startswith("[ERROR]")]
    return "error: " + (errors[0][len("[ERROR] "):][:200] if errors else "autograde failed")


def _kernel_config(course: Course, canary_report: Path) -> Config:
    """nbgrader settings for one autograde: canary cells around the tests, and each kernel
    in the sandbox with the course's caps (unless the course says no sandbox)."""
    config = Config()
    # Errors in IPython's Plain mode: the frames and the message without lines of code
    # around each frame. Every test cell is followed by a canary that raises, and a
    # Context traceback costs about 20 ms more per error (more for long cells); the
    # feedback page replaces hidden tests' tracebacks with their message anyway.
    config.Execute.extra_arguments = [f"--InteractiveShell.xmode={TRACEBACK_MODE}"]
    execute: type = Execute
    if course.sandbox:
        from dlgrader import sandbox  # only where kernels run

        execute = sandbox.SandboxedExecute
        manager = config.SandboxedKernelManager
        manager.readonly_paths = [str(path) for path in course.student_side_paths()]
        manager.home_template = str(sandbox.prepared_home(course.work_dir / "kernel-home"))
        manager.limits = sandbox.Limits(
            memory_bytes=course.memory_mb * 2**20, max_processes=course.max_processes,
            cpu_seconds=course.cpu_seconds, wall_seconds=course.wall_seconds,
            file_size_bytes=course.file_size_mb * 2**20,
            output_bytes=course.output_mb * 2**20)
        # Not NBGRADER_EXECUTION: a notebook has no business knowing it is being graded.
        default_env = sandbox.SandboxedKernelManager.class_traits()["pass_env"].default()
        manager.pass_env = [name for name in default_env if not name.startswith("NBGRADER")]
    # The metadata were checked when the notebook was sanitised, and a kernel cannot change
    # them: nbgrader's second check after the run costs about a second and finds nothing.
    stock = [preprocessor
             for preprocessor in Autograde.class_traits()["autograde_preprocessors"].default()
             if preprocessor is not CheckCellMetadata]
    position = stock.index(Execute)
    config.Autograde.autograde_preprocessors = [
        *stock[:position], canaries.InsertCanaries, execute, canaries.CheckCanaries,
        *stock[position + 1:],
    ]
    config.CheckCanaries.report_path = str(canary_report)
    return config


def grade(course: Course, submission: Submission) -> Result:
    """Grades one submission and records the result; see the module's docstring.

    Returns:
        The result recorded in the gradebook.
    """
    warnings.filterwarnings("ignore", category=SAWarning)  # nbgrader's session noise
    started = time.monotonic()
    student, assignment = submission.student, submission.assignment
    root = course.work_dir / f"{assignment}-{student}-{uuid.uuid4().hex[:12]}"
    graded_digest = digest(course, student, assignment)
    try:
        _copy_submission(course, submission, root)
        canary_report = root / "canaries.json"
        nbgrader_app.autograde(course, root, student, assignment,
                               _kernel_config(course, canary_report))
        flags = "; ".join(json.loads(canary_report.read_text()))
        kinds = ["autograded"]
        if course.feedback:
            nbgrader_app.generate_feedback(course, root, student, assignment)
            kinds.append("feedback")
        for kind in kinds:
            _publish(root / kind / student / assignment,
                     getattr(course, f"{kind}_dir") / student / assignment)
        result = Result(student, assignment, graded_digest, GRADED, flags=flags)
    except Refused as refusal:
        result = Result(student, assignment, graded_digest, FAILED, str(refusal))
    except nbgrader_app.NbgraderError as error:
        result = Result(student, assignment, graded_digest, FAILED, reason_from_log(error.log))
    finally:
        _remove(root)
    result = Result(**{**vars(result), "seconds": round(time.monotonic() - started, 3)})
    gradebook.record(course, result)
    return result

