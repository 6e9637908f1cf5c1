"""The student's JupyterLab (`make lab`) has Validate and none of the instructor's tools.

Real servers are started on free ports, a few seconds each: the student's lab
(`dlcourse.student_lab`) on a workspace holding hw1's release, and the plain
``jupyter lab`` an instructor opens, which keeps formgrader (so the checks can fail). What
the page shows is read from the lab page's configuration (``disabledExtensions``, which
JupyterLab's front end honours) and from the server's routes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from dlcourse import student_lab

from .jupyter_server import instructor_lab, request, running, server_options
from .postgres import free_port

ROOT = Path(__file__).resolve().parents[1]
VALIDATE_PLUGIN = "@jupyter/nbgrader:validate-assignment"
NOTEBOOK = "hw1_backprop/hw1_backprop.ipynb"


def disabled_plugins(page: str) -> set[str]:
    """The lab plugins a JupyterLab page switches off."""
    match = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                      page, re.DOTALL)
    assert match, "no page configuration in the lab page"
    return set(json.loads(match.group(1))["disabledExtensions"])


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("workspace")
    (folder / NOTEBOOK).parent.mkdir()
    shutil.copyfile(ROOT / "release" / NOTEBOOK, folder / NOTEBOOK)
    return folder


def test_the_exchange_decides_the_assignment_list():
    plugins, extensions = student_lab.hidden_tools(with_exchange=True)
    assert set(student_lab.INSTRUCTOR_PLUGINS) <= set(plugins)
    assert not set(student_lab.EXCHANGE_PLUGINS) & set(plugins)
    assert extensions == student_lab.INSTRUCTOR_SERVER_EXTENSIONS
    plugins, extensions = student_lab.hidden_tools(with_exchange=False)
    assert set(student_lab.EXCHANGE_PLUGINS) <= set(plugins)
    assert set(student_lab.EXCHANGE_SERVER_EXTENSIONS) <= set(extensions)
    assert VALIDATE_PLUGIN not in plugins


def test_student_lab_validates_and_hides_instructor_tools(workspace, tmp_path):
    port = free_port()
    words, environment = student_lab.prepare(workspace, server_options(port),
                                             with_exchange=False)
    with running(words, environment, port, tmp_path / "lab.log") as base:
        status, page = request(f"{base}/lab")
        assert status == 200
        disabled = disabled_plugins(page)
        assert set(student_lab.INSTRUCTOR_PLUGINS + student_lab.EXCHANGE_PLUGINS) <= disabled
        assert VALIDATE_PLUGIN not in disabled
        assert request(f"{base}/formgrader")[0] == 404, "formgrader's pages are served"
        assert request(f"{base}/assignments")[0] == 404, "the assignment list is served"

        status, body = request(f"{base}/assignments/validate", {"path": NOTEBOOK})
        assert status == 200, body[-2000:]
        answer = json.loads(body)
        assert answer["success"], answer
        failed = answer["value"]["failed"]
        assert failed, "Validate passed the release, whose stubs raise NotImplementedError"
        assert any("NotImplementedError" in cell["error"] for cell in failed)


def test_the_instructor_lab_keeps_formgrader(workspace, tmp_path):
    """The same checks on the instructor's lab find formgrader: they can fail."""
    port = free_port()
    config_dir = tmp_path / "config"  # no student settings, no user settings of the machine
    config_dir.mkdir()
    words = instructor_lab(workspace, port)
    environment = dict(os.environ, JUPYTER_CONFIG_DIR=str(config_dir))
    with running(words, environment, port, tmp_path / "lab.log") as base:
        status, page = request(f"{base}/lab")
        assert status == 200
        assert not set(student_lab.INSTRUCTOR_PLUGINS) & disabled_plugins(page)
        assert request(f"{base}/formgrader")[0] != 404
