"""Every dependency is pinned exactly, and the conda environment carries the same pins."""

from __future__ import annotations

import re

from dlgrader.course import ROOT

PIN = re.compile(r"^([A-Za-z0-9._-]+)==([A-Za-z0-9.+!-]+)$")


def _pins(lines):
    pins = {}
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = PIN.match(line)
        assert match, f"not an exact pin: {line!r}"
        pins[match[1].lower().replace("_", "-")] = match[2]
    return pins


def test_requirements_are_exact_pins():
    """requirements.txt pins every package with == and names the course's key tools."""
    pins = _pins((ROOT / "requirements.txt").read_text().splitlines())
    for package in ("torch", "nbgrader", "jupyterlab", "notebook", "nbval", "numpy", "pytest"):
        assert package in pins, package
    assert pins["torch"] == "2.13.0"
    assert pins["nbgrader"] == "0.9.6"


def test_environment_yml_has_the_same_pins():
    """environment.yml lists exactly the pins of requirements.txt under pip."""
    lines = (ROOT / "environment.yml").read_text().splitlines()
    pip_lines = [line.strip()[2:] for line in lines if line.startswith("      - ")]
    requirements = _pins((ROOT / "requirements.txt").read_text().splitlines())
    assert _pins(pip_lines) == requirements
    assert "  - python=3.11" in lines
