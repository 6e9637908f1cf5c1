"""nbgrader's applications, run in this process through its Python API.

nbgrader's command line costs several seconds to start (imports, config search). A
grading worker imports nbgrader once and then runs one application per submission here,
with the course's ``nbgrader_config.py`` loaded once per process.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from pathlib import Path

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.apps.api import capture_log
from nbgrader.converters import Autograde, GenerateAssignment, GenerateFeedback
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from dlgrader.course import Course
from dlgrader.feedback import FeedbackGrades

CONFIG_FILE = "nbgrader_config.py"


class NbgraderError(RuntimeError):
    """An nbgrader application failed; ``log`` holds what it logged."""

    def __init__(self, message: str, log: str = "") -> None:
        super().__init__(message)
        self.log = log


@functools.cache
def _course_config(config_dir: Path) -> Config:
    return PyFileConfigLoader(CONFIG_FILE, path=str(config_dir)).load_config()


def _set_environment(course: Course) -> None:
    """Sets what nbgrader and the kernels it starts from this process need: the course's
    Python first on PATH (nbgrader runs its ``alembic`` by name), the course's kernel
    rather than a user's, and the kernels' thread counts."""
    os.environ.update(course.kernel_environment())
    os.environ["JUPYTER_PREFER_ENV_PATH"] = "1"
    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    bin_dir = str(Path(sys.executable).parent)
    if not os.environ.get("PATH", "").startswith(bin_dir + os.pathsep):
        os.environ["PATH"] = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])


def config(course: Course, root: Path | None = None, extra: Config | None = None) -> Config:
    """The course's nbgrader configuration, for a course directory at ``root``.

    Args:
        course: the course; its ``nbgrader_config.py`` is read once per process.
        root: the course directory nbgrader works in (a task's private one); default
            the course's own.
        extra: settings that take precedence (the sandbox's kernel manager, say).
    """
    _set_environment(course)
    result = Config(_course_config(course.root))
    result.CourseDirectory.root = str(root or course.root)
    result.CourseDirectory.db_url = course.gradebook_url
    if extra is not None:
        result.merge(extra)
    return result


def _run(app_class: type, cfg: Config, assignment: str, student: str | None = None,
         **traits: object) -> str:
    """Runs one nbgrader application for one assignment (and student); returns its log.

    Raises:
        NbgraderError: the application failed; the error carries its log.
    """
    coursedir = CourseDirectory(config=cfg)
    coursedir.assignment_id = assignment
    if student is not None:
        coursedir.student_id = student
    app = app_class(coursedir=coursedir, config=cfg)
    app.log = logging.getLogger(f"dlgrader.nbgrader.{app_class.__name__}")
    app.log.propagate = False  # the log is returned, not printed
    app.log.setLevel(logging.INFO)
    for name, value in traits.items():
        setattr(app, name, value)
    result = capture_log(app)
    log = result.get("log", "")
    if not result["success"]:
        raise NbgraderError(f"{app_class.__name__} failed for {assignment}", log + result.get(
            "error", ""))
    return log


def generate_assignment(course: Course, assignment: str) -> str:
    """Regenerates ``release/<assignment>`` and records its cells in the gradebook."""
    return _run(GenerateAssignment, config(course), assignment, force=True,
                create_assignment=True)


def autograde(course: Course, root: Path, student: str, assignment: str,
              extra: Config | None = None) -> str:
    """Autogrades ``root/submitted/<student>/<assignment>`` into ``root/autograded``.

    The student and the assignment must already be in the gradebook.
    """
    return _run(Autograde, config(course, root, extra), assignment, student, force=True,
                create_student=False)


def generate_feedback(course: Course, root: Path, student: str, assignment: str) -> str:
    """Writes ``root/feedback/<student>/<assignment>`` from ``root/autograded``.

    The page is sanitised: HTML and scripts that a submission put in its outputs or its
    markdown are escaped or dropped, so nothing from it runs in a reader's browser. It
    shows hidden tests' docstrings and messages but not their code, unless the course's
    ``feedback_shows_hidden_tests`` is set, and marks answers awaiting hand grading
    (`dlgrader.feedback`). Its formulas render with the MathJax of ``feedback/_mathjax``
    (`dlgrader.mathjax`).
    """
    cfg = config(course, root)
    cfg.GenerateFeedback.preprocessors = [FeedbackGrades, CSSHTMLHeaderPreprocessor]
    cfg.FeedbackGrades.show_hidden_tests = course.feedback_shows_hidden_tests
    cfg.HTMLExporter.template_name = "feedback"
    cfg.HTMLExporter.sanitize_html = True
    cfg.HTMLExporter.preprocessors = ["nbconvert.preprocessors.sanitize.SanitizeHTML"]
    return _run(GenerateFeedback, cfg, assignment, student, force=True)
