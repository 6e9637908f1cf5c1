"""A Jupyter server started for a test: its URL, and requests with its token."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .postgres import free_port

TOKEN = "grader-tests"


def request(url: str, data: dict[str, str] | None = None) -> tuple[int, str]:
    """(HTTP status, body) of a GET, or of a form POST when ``data`` is given."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers={"Authorization": f"token {TOKEN}"})
    try:
        with urllib.request.urlopen(req, timeout=120) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@contextmanager
def running(words: list[str], environment: dict[str, str], port: int, log: Path,
            cwd: Path | None = None) -> Iterator[str]:
    """Runs a Jupyter server (in ``cwd``) until the block ends; yields its base URL."""
    with log.open("w") as out:
        server = subprocess.Popen(words, env=environment, stdout=out, stderr=subprocess.STDOUT,
                                  cwd=cwd)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            if server.poll() is not None:
                pytest.fail(f"the server stopped:\n{log.read_text()[-3000:]}")
            try:
                if request(f"{base}/api/status")[0] == 200:
                    break
            except OSError:
                pass  # not listening yet
            time.sleep(0.25)
        else:
            pytest.fail(f"the server did not answer in 60 s:\n{log.read_text()[-3000:]}")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def server_options(port: int) -> list[str]:
    return ["--no-browser", "--ip=127.0.0.1", f"--port={port}",
            f"--IdentityProvider.token={TOKEN}", "--ServerApp.open_browser=False"]


def instructor_lab(notebook_dir: Path, port: int) -> list[str]:
    """The command of the plain ``jupyter lab`` an instructor opens, every tool on."""
    words = [sys.executable, "-m", "jupyterlab", f"--notebook-dir={notebook_dir}",
             *server_options(port)]
    return words + (["--allow-root"] if os.geteuid() == 0 else [])


@contextmanager
def formgrader(course_root: Path, log: Path) -> Iterator[str]:
    """The instructor's lab on a course directory, started in it (formgrader reads the
    ``nbgrader_config.py`` of the folder the server starts in); yields its base URL."""
    port = free_port()
    with running(instructor_lab(course_root, port), dict(os.environ), port, log,
                 cwd=course_root) as base:
        yield base
