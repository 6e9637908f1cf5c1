"""The student bundle: what a student downloads, installs and works in.

``python -m dlcourse.cli bundle [assignment ...] [--output PATH]`` writes (default
``bundle/`` in the course root)::

    bundle/
        README.md                how to install and work, for students
        requirements.txt         exact pins, taken from the course's requirements.txt
        pyproject.toml           installs the student-side library, and nothing else
        dlcourse/                the library's modules that the notebooks need
            data_files/          the data files the loaders read, and their provenance
        <assignment>/            release/<assignment>/, as nbgrader generated it

No ``source/``, no scenarios, no ``dlgrader``: the notebooks come from ``release/``, which
holds no solution and no hidden test (``grader_tests/test_release.py``), and the library
is the modules of ``dlcourse`` that the release notebooks import, with those they import
in turn (`library_modules`): not the instructor's command line (``cli.py``), nor the
helpers of hidden tests or of ``make lab``.

Where the data goes: ``pip install .`` copies the library into site-packages, away from
the folder around it, so the data travels inside the package, in ``dlcourse/data_files/``,
and `dlcourse.data.DATA_DIR` points there whenever that folder exists. A student sets
nothing by hand, and a notebook finds the data from any folder.

The pins: the packages a student needs are the notebook tools (STUDENT_TOOLS) and the
distributions that the release notebooks and the shipped library import, found by
reading their import statements; with everything those depend on in this environment,
each is pinned to its version in the course's ``requirements.txt``. Installers that pip
does not pin (UNPINNED) are left to pip.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from dlcourse import data
from dlgrader import notebooks
from dlgrader.course import Course

LIBRARY = "dlcourse"
STUDENT_TOOLS = ("jupyterlab", "notebook", "ipykernel", "ipywidgets")
"""What a student needs to open and run the notebooks, which no import statement names."""

INSTRUCTOR_SIDE = "dlgrader"
"""The package no module of the bundle may import."""

UNPINNED = {"pip", "setuptools", "wheel"}
"""Installers that ``pip freeze`` leaves out of requirements.txt, so pip chooses them."""

MARKER = "# The student bundle's library, written by `python -m dlcourse.cli bundle`."
"""The first line of a bundle's pyproject.toml: how `write` knows it may replace a folder."""

_PIN = re.compile(r"^([A-Za-z0-9._-]+)==(\S+)$")
_SKIPPED = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.pyc")


class BundleError(RuntimeError):
    """The bundle cannot be written as asked; the message says why."""


@dataclass(frozen=True)
class Bundle:
    """What `write` wrote.

    Attributes:
        out: the bundle's folder.
        assignments: the assignment folders, in the order given.
        modules: the library's modules, by file name.
        pins: canonical distribution name -> exact version, as in requirements.txt.
    """

    out: Path
    assignments: tuple[str, ...]
    modules: tuple[str, ...]
    pins: dict[str, str]


def read_pins(text: str) -> dict[str, str]:
    """The exact pins of a requirements file: canonical name -> version.

    Raises:
        BundleError: a line that is neither blank, a comment, nor ``name==version``.
    """
    pins = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = _PIN.match(line)
        if not match:
            raise BundleError(f"not an exact pin: {line!r}")
        pins[canonicalize_name(match[1])] = match[2]
    return pins


def imported_modules(code: str) -> set[str]:
    """The absolute module names that ``code``'s import statements name.

    ``from dlcourse import checks`` names ``dlcourse.checks`` (the package's modules are
    what one imports from it); ``import torch.nn as nn`` names ``torch.nn``. Lines of
    IPython magics (``%...``, ``!...``) are skipped.
    """
    lines = [line for line in code.splitlines() if not line.lstrip().startswith(("%", "!"))]
    names = set()
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            if node.module == LIBRARY:
                names.update(f"{LIBRARY}.{alias.name}" for alias in node.names)
    return names


def notebook_imports(path: Path) -> set[str]:
    """The modules that the code cells of the notebook at ``path`` import."""
    return set().union(*(imported_modules(cell.source)
                         for cell in notebooks.read(path).cells if cell.cell_type == "code"))


def library_modules(library: Path, needed: Iterable[str]) -> set[str]:
    """The modules of the library that ``needed`` names, and every library module they
    import, as file names in ``library`` (``__init__.py`` always among them).

    Raises:
        BundleError: a library module that does not exist, or that imports the
            instructor side.
    """
    files = {"__init__.py"}
    todo = [name for name in needed if name.split(".")[0] == LIBRARY]
    while todo:
        name = todo.pop()
        if name == LIBRARY:
            continue
        file_name = name.removeprefix(f"{LIBRARY}.") + ".py"
        if file_name in files:
            continue
        if not (library / file_name).is_file():
            raise BundleError(f"the notebooks import {name}, which does not exist")
        files.add(file_name)
        uses = imported_modules((library / file_name).read_text())
        if any(use.split(".")[0] == INSTRUCTOR_SIDE for use in uses):
            raise BundleError(f"{name} imports the instructor side, {INSTRUCTOR_SIDE}")
        todo.extend(use for use in uses if use.split(".")[0] == LIBRARY)
    return files


def distributions(modules: Iterable[str]) -> set[str]:
    """The installed distributions that provide the third-party modules among ``modules``.

    The standard library and the course's own library are left out.

    Raises:
        BundleError: a module that no installed distribution provides.
    """
    providers = metadata.packages_distributions()
    found = set()
    for top in sorted({name.split(".")[0] for name in modules}):
        if top in sys.stdlib_module_names or top == LIBRARY:
            continue
        if top not in providers:
            raise BundleError(f"no installed distribution provides the module {top!r}")
        found.update(canonicalize_name(name) for name in providers[top])
    return found


def with_dependencies(roots: Iterable[str]) -> set[str]:
    """``roots`` and every distribution they need, installed here, with extras followed.

    Markers are judged for this Python and platform.
    """
    extras_of: dict[str, set[str]] = {}
    todo = [(canonicalize_name(name), frozenset()) for name in roots]
    while todo:
        name, extras = todo.pop()
        if name in extras_of and extras <= extras_of[name]:
            continue
        extras_of.setdefault(name, set()).update(extras)
        for text in metadata.distribution(name).requires or []:
            requirement = Requirement(text)
            marker = requirement.marker
            if marker is None or any(marker.evaluate({"extra": extra})
                                     for extra in {""} | extras_of[name]):
                todo.append((canonicalize_name(requirement.name),
                             frozenset(requirement.extras)))
    return set(extras_of)


def requirements_text(course_requirements: str, needed: set[str]) -> str:
    """The bundle's requirements.txt: the lines of the course's that pin ``needed``.

    Raises:
        BundleError: a needed distribution that the course's requirements.txt does not pin.
    """
    pins = read_pins(course_requirements)
    missing = sorted(needed - set(pins) - UNPINNED)
    if missing:
        raise BundleError(f"requirements.txt pins no version of {', '.join(missing)}")
    matches = (_PIN.match(line.strip()) for line in course_requirements.splitlines())
    lines = [match[0] for match in matches if match and canonicalize_name(match[1]) in needed]
    header = ("# Exact versions of everything the course's notebooks need, the versions they\n"
              "# are graded with. Install them with: pip install -r requirements.txt\n")
    return header + "\n".join(lines) + "\n"


def pyproject_text(course_pyproject: dict, dependencies: Iterable[str]) -> str:
    """The bundle's pyproject.toml: the library, its data, and the distributions it imports.

    The dependencies are unpinned: requirements.txt pins them.
    """
    project = course_pyproject["project"]
    listed = ", ".join(json.dumps(name) for name in sorted(dependencies))
    return f"""{MARKER}
[build-system]
requires = ["setuptools>=77"]
build-backend = "setuptools.build_meta"

[project]
name = {json.dumps(project["name"])}
version = {json.dumps(project["version"])}
description = "The helper library of the course's notebooks: data, checks, plots"
readme = "README.md"
requires-python = {json.dumps(project["requires-python"])}
license = "BSD-3-Clause"
dependencies = [{listed}]

# The data's folders count as (namespace) packages: setuptools wants that of package data.
[tool.setuptools.packages.find]
include = [{json.dumps(LIBRARY)}, {json.dumps(LIBRARY + ".*")}]

[tool.setuptools.package-data]
{LIBRARY} = ["{data.PACKAGED_DATA}/**/*"]
"""


def readme_text(titles: dict[str, str]) -> str:
    """The student README; ``titles`` maps each assignment folder to its notebook's title."""
    rows = "\n".join(f"| `{folder}/` | {title} |" for folder, title in titles.items())
    return f"""# Introduction to deep learning: your notebooks

This folder holds the homework notebooks, the data they use, and `dlcourse`, the small
library they import (data loading, checks, plots, training helpers). Once installed,
everything runs offline on a laptop CPU; no GPU is needed.

| folder | homework |
|---|---|
{rows}

## Installing, once

You need Python 3.11. In this folder:

```sh
python3.11 -m venv .venv
source .venv/bin/activate        # on Windows: .venv\\Scripts\\activate
pip install -r requirements.txt
pip install .
```

`requirements.txt` pins the exact versions your work is graded with. On Linux, pip
picks PyTorch's CUDA build, several gigabytes; the CPU build is all the course needs:
add `--extra-index-url https://download.pytorch.org/whl/cpu` to the first `pip install`
to get it. `pip install .` installs `dlcourse` with the data sets inside it, so the
notebooks find them from any folder.

## Working

Start JupyterLab in this folder, with the environment activated:

```sh
jupyter lab
```

and open `<homework>/<homework>.ipynb`.

1. Work top to bottom. Each task gives the maths and the shapes, a cell for your code
   (it raises `NotImplementedError` until you replace the stub), a free cell to try
   things, and visible tests. Hidden tests run when your work is graded: passing the
   visible ones is necessary, not sufficient.
2. Test failures say what is wrong (a shape, the size of an error, the tolerance), never
   the expected answer.
3. Nothing may be written to stderr in a graded cell (such a cell scores 0): leave
   warnings switched on, and fix what causes them.

## Data

The data sets are in `dlcourse/{data.PACKAGED_DATA}/`, and checked against their
checksums when a notebook loads them. `dlcourse/{data.PACKAGED_DATA}/README.md` says where
they come from and under which licence (MNIST: CC BY-SA 3.0, Yann LeCun and Corinna
Cortes). If a notebook says a file is damaged or missing, run
`pip install --force-reinstall --no-deps .` in this folder.

Homework 6's optional extras are not included. CIFAR-10: unpack it anywhere and set
`cifar_dir` to that folder in its free cell. torchvision's resnet34 weights: copy the
file to the folder the notebook names when it skips them (the installed
`dlcourse/{data.PACKAGED_DATA}/`).
"""


def _check_out(course: Course, out: Path) -> None:
    """Refuses an output folder that is not empty and not an earlier bundle.

    Raises:
        BundleError: ``out`` holds the course, or other files than a bundle's.
    """
    if course.root.is_relative_to(out):
        raise BundleError(f"{out} holds the course itself: choose another --output")
    if not out.exists() or (out.is_dir() and not any(out.iterdir())):
        return
    pyproject = out / "pyproject.toml"
    if not (pyproject.is_file() and pyproject.read_text().startswith(MARKER)):
        raise BundleError(f"{out} exists and is not a bundle: delete it or choose another --output")


def _release_imports(course: Course, assignment: str) -> set[str]:
    """The modules the release of ``assignment`` imports, but those beside its notebook.

    Raises:
        BundleError: there is no release.
    """
    path = notebooks.notebook_path(assignment, course.release_dir)
    if not path.is_file():
        raise BundleError(f"no release of {assignment} at {path}: run `make release`")
    local = {module.stem for module in path.parent.glob("*.py")}  # e.g. hw3's layers.py
    return {name for name in notebook_imports(path) if name.split(".")[0] not in local}


def _title(path: Path) -> str:
    """A notebook's title: the first line of its first markdown cell."""
    return next((cell.source.splitlines()[0].lstrip("# ")
                 for cell in notebooks.read(path).cells if cell.cell_type == "markdown"),
                path.stem)


def write(course: Course, assignments: Iterable[str], out: Path) -> Bundle:
    """Writes the student bundle of ``assignments`` to ``out``, replacing an earlier one.

    Raises:
        BundleError: an assignment has no release, a notebook imports a library module
            that does not exist or that needs the instructor side, a needed distribution
            has no pin, or ``out`` is taken.
    """
    assignments = tuple(assignments)
    out = out.resolve()
    _check_out(course, out)
    library = Path(find_spec(LIBRARY).submodule_search_locations[0])
    release_imports = set().union(*(_release_imports(course, assignment)
                                    for assignment in assignments))
    modules = tuple(sorted(library_modules(library, release_imports)))
    library_imports = set().union(*(imported_modules((library / name).read_text())
                                    for name in modules))
    needed = with_dependencies(set(STUDENT_TOOLS)
                               | distributions(library_imports | release_imports))
    requirements = requirements_text((course.root / "requirements.txt").read_text(), needed)
    course_pyproject = tomllib.loads((course.root / "pyproject.toml").read_text())

    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for assignment in assignments:
        shutil.copytree(course.release_dir / assignment, out / assignment, ignore=_SKIPPED)
    (out / LIBRARY).mkdir()
    for name in modules:
        shutil.copyfile(library / name, out / LIBRARY / name)
    data_out = out / LIBRARY / data.PACKAGED_DATA
    data_out.mkdir()
    for name in (*data.DATA_FILES, "README.md"):
        source = data.data_dir() / name
        if source.is_dir():
            shutil.copytree(source, data_out / name, ignore=_SKIPPED)
        else:
            shutil.copyfile(source, data_out / name)
    (out / "requirements.txt").write_text(requirements)
    (out / "pyproject.toml").write_text(pyproject_text(course_pyproject,
                                                      distributions(library_imports)))
    titles = {assignment: _title(notebooks.notebook_path(assignment, course.release_dir))
              for assignment in assignments}
    (out / "README.md").write_text(readme_text(titles))
    return Bundle(out=out, assignments=assignments, modules=modules,
                  pins=read_pins(requirements))
