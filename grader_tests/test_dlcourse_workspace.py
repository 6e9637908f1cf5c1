"""dlcourse.workspace: a student's copy of the release, which regeneration never touches."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dlcourse import workspace

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def release(tmp_path: Path) -> Path:
    """A copy of the course's release/ that a test may change."""
    return Path(shutil.copytree(REPO / "release", tmp_path / "release"))


def test_first_use_copies_every_release_file(release: Path, tmp_path: Path):
    result = workspace.sync(release, tmp_path / "workspace")
    expected = sorted(p.relative_to(release) for p in release.rglob("*") if p.is_file())
    assert result.copied == expected
    assert Path("hw3_classifiers/layers.py") in result.copied
    for relative in expected:
        assert (tmp_path / "workspace" / relative).read_bytes() == (release / relative).read_bytes()


def test_a_students_work_survives_a_new_release(release: Path, tmp_path: Path, capsys):
    mine = tmp_path / "workspace"
    workspace.sync(release, mine)
    notebook = Path("hw1_backprop/hw1_backprop.ipynb")
    (mine / notebook).write_text("my answers")
    (release / notebook).write_text((release / notebook).read_text() + " ")  # regenerated
    (mine / "hw2_layers/hw2_layers.ipynb").unlink()  # deleted to get the new version

    assert workspace.main([str(release), str(mine)]) == 0
    assert (mine / notebook).read_text() == "my answers"
    assert (mine / "hw2_layers/hw2_layers.ipynb").exists()
    out = capsys.readouterr().out
    assert f"{notebook}: the release has changed since you copied it; your file is kept" in out
    assert "copied hw2_layers/hw2_layers.ipynb" in out
    assert "copied hw3_classifiers" not in out


def test_an_unchanged_release_is_quiet_and_keeps_edits(release: Path, tmp_path: Path):
    mine = tmp_path / "workspace"
    workspace.sync(release, mine)
    (mine / "hw4_fnn_mnist/hw4_fnn_mnist.ipynb").write_text("half done")
    result = workspace.sync(release, mine)
    assert result.copied == [] and result.release_changed == []
    assert (mine / "hw4_fnn_mnist/hw4_fnn_mnist.ipynb").read_text() == "half done"


def test_checkpoints_are_not_copied(release: Path, tmp_path: Path):
    checkpoints = release / "hw1_backprop" / ".ipynb_checkpoints"
    checkpoints.mkdir()
    (checkpoints / "hw1_backprop-checkpoint.ipynb").write_text("{}")
    result = workspace.sync(release, tmp_path / "workspace")
    assert not any(".ipynb_checkpoints" in p.parts for p in result.copied)


def test_a_missing_release_is_a_clear_error(tmp_path: Path, capsys):
    assert workspace.main([str(tmp_path / "nowhere"), str(tmp_path / "workspace")]) == 1
    assert "run `make release`" in capsys.readouterr().err


def test_the_workspace_is_ignored_by_git():
    assert "/workspace/" in (REPO / ".gitignore").read_text().splitlines()
