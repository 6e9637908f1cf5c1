"""The course: where its folders are and how it is graded, decided in one place.

Every setting has a default here, may be set in ``course.toml`` at the course root
(table ``[grading]``), and may be overridden by an environment variable
``DLCOURSE_<SETTING>`` (``DLCOURSE_DB_URL``, ``DLCOURSE_SCHEDULER``, ...) or by the
command line. The CLI, the grading engine, ``nbgrader_config.py`` and the tests all take
their paths and settings from a `Course`, and nothing else decides them.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

SETTINGS_FILE = "course.toml"
ENV_PREFIX = "DLCOURSE_"
ROOT = Path(__file__).resolve().parents[1]
"""The repository this package ships in: the course's own directory by default."""


@dataclass(frozen=True)
class Course:
    """A course directory and its grading settings.

    Attributes:
        root: the nbgrader course directory (holds ``nbgrader_config.py``).
        course_id: nbgrader's course id.
        db_url: the gradebook, a SQLAlchemy URL; a relative sqlite path is taken from
            ``root``. PostgreSQL: ``postgresql+psycopg://user@host:port/dbname``.
        scheduler: address of an existing Dask scheduler (``tcp://host:8786``); empty
            for an embedded cluster on this machine.
        workers: worker processes of the embedded cluster; 0 means one per core.
        kernel_threads: BLAS and OpenMP threads each student kernel gets.
        allowed_failures: how many times a submission may kill its worker before it is
            recorded as failed.
        feedback: write each graded submission's HTML feedback as part of its task.
        feedback_shows_hidden_tests: show the code of hidden tests in feedback pages
            (by default a page shows their docstrings, points and messages only).
        sandbox: run every student kernel in the bubblewrap sandbox (`dlgrader.sandbox`),
            with the caps below.
        memory_mb: memory of one kernel and all it starts, in MiB.
        max_processes: processes and threads one kernel may have at once.
        cpu_seconds: CPU time of each process of a kernel, in seconds.
        wall_seconds: wall time of one whole notebook, in seconds (the cell timeout of
            ``nbgrader_config.py`` still holds for each cell).
        file_size_mb: largest file a kernel may write, in MiB.
        output_mb: all the outputs of one notebook together (text, images, tracebacks),
            in MiB.
    """

    root: Path = ROOT
    course_id: str = "dlcourse"
    db_url: str = "sqlite:///gradebook.db"
    scheduler: str = ""
    workers: int = 0
    kernel_threads: int = 1
    allowed_failures: int = 2
    feedback: bool = True
    feedback_shows_hidden_tests: bool = False
    sandbox: bool = True
    memory_mb: int = 4096
    max_processes: int = 128
    cpu_seconds: int = 1200
    wall_seconds: int = 1200
    file_size_mb: int = 256
    output_mb: int = 16

    @classmethod
    def load(cls, root: Path | str = ROOT, **overrides: object) -> Course:
        """The course at ``root``: defaults, then ``course.toml``, then the environment,
        then ``overrides`` (the command line's options; None means not given)."""
        root = Path(root).resolve()
        settings: dict[str, object] = {}
        settings_file = root / SETTINGS_FILE
        if settings_file.exists():
            settings.update(tomllib.loads(settings_file.read_text()).get("grading", {}))
        for field in dataclasses.fields(cls):
            value = os.environ.get(ENV_PREFIX + field.name.upper())
            if value is not None and field.name != "root":
                settings[field.name] = _parse(value, field.type)
        settings.update({key: value for key, value in overrides.items() if value is not None})
        unknown = sorted(set(settings) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise ValueError(f"unknown course settings: {', '.join(unknown)}")
        return cls(root=root, **settings)

    def replace(self, **changes: object) -> Course:
        """A copy with some settings changed."""
        return dataclasses.replace(self, **changes)

    @property
    def gradebook_url(self) -> str:
        """``db_url`` with a relative sqlite path made absolute, and a lock timeout.

        Several workers write one sqlite file; each waits up to 60 s for another's write.
        """
        prefix = "sqlite:///"
        if not self.db_url.startswith(prefix):
            return self.db_url
        path = Path(self.db_url[len(prefix) :].split("?")[0])
        if not path.is_absolute():
            path = self.root / path
        return f"{prefix}{path}?timeout=60"

    @property
    def source_dir(self) -> Path:
        return self.root / "source"

    @property
    def release_dir(self) -> Path:
        return self.root / "release"

    @property
    def submitted_dir(self) -> Path:
        return self.root / "submitted"

    @property
    def autograded_dir(self) -> Path:
        return self.root / "autograded"

    @property
    def feedback_dir(self) -> Path:
        return self.root / "feedback"

    @property
    def work_dir(self) -> Path:
        """Where grading tasks build their private working directories."""
        return self.root / ".grading"

    @property
    def grades_csv(self) -> Path:
        return self.root / "grades.csv"

    @property
    def class_report(self) -> Path:
        """Where ``python -m dlcourse.cli report`` writes the class report by default."""
        return self.root / "class_report.html"

    def assignments(self) -> list[str]:
        """The assignment ids: one per folder of ``source/`` holding its notebook, sorted."""
        return sorted(path.parent.name for path in self.source_dir.glob("*/*.ipynb"))

    def student_side_paths(self) -> list[Path]:
        """What a student's notebook may read besides the Python environment: the
        student-side library and the data it loads."""
        from dlcourse import data  # light: numpy only

        library = importlib.util.find_spec("dlcourse").submodule_search_locations[0]
        return [Path(library), data.data_dir()]

    def kernel_environment(self) -> dict[str, str]:
        """Environment variables every student kernel gets."""
        threads = str(self.kernel_threads)
        return {name: threads for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                           "MKL_NUM_THREADS")}


def _parse(text: str, kind: object) -> object:
    """An environment variable's text as the setting's type."""
    if kind in (bool, "bool"):
        return text.strip().lower() in ("1", "true", "yes", "on")
    if kind in (int, "int"):
        return int(text)
    return text
