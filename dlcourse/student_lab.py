"""The student's JupyterLab: ``python -m dlcourse.student_lab [JUPYTER-LAB OPTION ...]``.

`make lab` runs this. It brings the workspace up to date (`dlcourse.workspace`) and opens
JupyterLab on it with nbgrader's student tool only: Validate. The instructor's tools
(formgrader, Create Assignment) are switched off, and so are the assignment and course
lists unless nbgrader's exchange folder exists: without it they only show the error
"exchange directory does not exist". The instructor's own JupyterLab
(``.venv/bin/jupyter lab``) keeps every tool.

Nothing in the environment's configuration changes. Server extensions are switched off on
the command line; lab plugins in a configuration folder of the student's own,
``workspace/.jupyter`` (``JUPYTER_CONFIG_DIR``), which also keeps the student's lab
settings between sessions.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from dlcourse import workspace

INSTRUCTOR_PLUGINS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment")
INSTRUCTOR_SERVER_EXTENSIONS = ("nbgrader.server_extensions.formgrader",)
EXCHANGE_PLUGINS = ("@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:course-list")
EXCHANGE_SERVER_EXTENSIONS = ("nbgrader.server_extensions.assignment_list",
                              "nbgrader.server_extensions.course_list")
CONFIG_DIR_NAME = ".jupyter"


def exchange_exists() -> bool:
    """Whether nbgrader's default exchange folder (where released assignments wait) exists."""
    from nbgrader.exchange.default.exchange import Exchange

    return Path(Exchange.class_traits()["root"].default_value).is_dir()


def hidden_tools(with_exchange: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The (lab plugins, server extensions) a student's lab switches off."""
    if with_exchange:
        return INSTRUCTOR_PLUGINS, INSTRUCTOR_SERVER_EXTENSIONS
    return (INSTRUCTOR_PLUGINS + EXCHANGE_PLUGINS,
            INSTRUCTOR_SERVER_EXTENSIONS + EXCHANGE_SERVER_EXTENSIONS)


def write_config(config_dir: Path, plugins: tuple[str, ...]) -> None:
    """Writes the lab's page configuration that disables ``plugins`` into ``config_dir``."""
    page_config = config_dir / "labconfig" / "page_config.json"
    page_config.parent.mkdir(parents=True, exist_ok=True)
    page_config.write_text(json.dumps(
        {"disabledExtensions": dict.fromkeys(plugins, True)}, indent=1) + "\n")


def command(notebook_dir: Path, server_extensions: tuple[str, ...],
            options: list[str]) -> list[str]:
    """The ``jupyter lab`` command line of a student's lab."""
    words = [sys.executable, "-m", "jupyterlab", f"--notebook-dir={notebook_dir}"]
    words += [f"--ServerApp.jpserver_extensions={name}=False" for name in server_extensions]
    if os.geteuid() == 0:  # a container's only user, say; Jupyter refuses root otherwise
        words.append("--allow-root")
    return words + options


def prepare(notebook_dir: Path, options: list[str],
            with_exchange: bool | None = None) -> tuple[list[str], dict[str, str]]:
    """Writes the student configuration; returns the command and environment to run."""
    if with_exchange is None:
        with_exchange = exchange_exists()
    plugins, server_extensions = hidden_tools(with_exchange)
    config_dir = notebook_dir / CONFIG_DIR_NAME
    write_config(config_dir, plugins)
    environment = dict(os.environ, JUPYTER_CONFIG_DIR=str(config_dir))
    return command(notebook_dir, server_extensions, options), environment


def main(argv: list[str] | None = None) -> int:
    options = sys.argv[1:] if argv is None else argv
    if workspace.main([]) != 0:
        return 1
    words, environment = prepare(workspace.ROOT / "workspace", options)
    os.execvpe(words[0], words, environment)


if __name__ == "__main__":
    sys.exit(main())
