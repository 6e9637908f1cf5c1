"""Course settings come from one place, with a clear order of precedence."""

from __future__ import annotations

import pytest

from dlgrader.course import Course


def test_settings_file_then_environment_then_options(tmp_path, monkeypatch):
    """course.toml overrides the defaults, DLCOURSE_* overrides it, options override both."""
    (tmp_path / "course.toml").write_text('[grading]\nworkers = 3\nscheduler = "tcp://a:1"\n')
    assert Course.load(tmp_path).workers == 3
    monkeypatch.setenv("DLCOURSE_WORKERS", "5")
    monkeypatch.setenv("DLCOURSE_SANDBOX", "no")
    course = Course.load(tmp_path)
    assert (course.workers, course.scheduler, course.sandbox) == (5, "tcp://a:1", False)
    assert Course.load(tmp_path, workers=7, scheduler=None).workers == 7


def test_unknown_setting_is_refused(tmp_path):
    """A misspelt setting in course.toml is an error, not silently ignored."""
    (tmp_path / "course.toml").write_text("[grading]\nworker = 3\n")
    with pytest.raises(ValueError, match="worker"):
        Course.load(tmp_path)


def test_relative_sqlite_gradebook_lives_in_the_course(tmp_path):
    """A relative sqlite path is taken from the course directory; other URLs pass through."""
    course = Course.load(tmp_path, db_url="sqlite:///book.db")
    assert course.gradebook_url.startswith(f"sqlite:///{tmp_path}/book.db")
    url = "postgresql+psycopg://u@h:5432/db"
    assert Course.load(tmp_path, db_url=url).gradebook_url == url
