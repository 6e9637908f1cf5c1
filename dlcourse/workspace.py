"""A student's own copy of the release: ``python -m dlcourse.workspace [RELEASE WORKSPACE]``.

`make lab` opens JupyterLab on ``workspace/``, never on ``release/``: regenerating the
release (``make release``, ``make demo``) would otherwise replace the work a student saved
there with the stubs, and opening a release notebook would change a tracked file. Files
the workspace lacks are copied from the release; a file the workspace has is never
overwritten. When the release of a file changes after it was copied, the student is told
and keeps their copy.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# In the workspace: relative path -> sha256 of the release file when it was copied.
COPIED_FROM = ".copied-from-release.json"
_SKIPPED = {".ipynb_checkpoints", "__pycache__"}


@dataclass
class Sync:
    """What `sync` did, as paths relative to the workspace."""

    copied: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)  # the student's copy, release unchanged
    release_changed: list[Path] = field(default_factory=list)  # the student's copy is kept


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _release_files(release: Path) -> list[Path]:
    return sorted(path.relative_to(release) for path in release.rglob("*")
                  if path.is_file() and not _SKIPPED & set(path.relative_to(release).parts))


def sync(release: Path, workspace: Path) -> Sync:
    """Copies every file of ``release`` that ``workspace`` lacks; overwrites nothing."""
    if not release.is_dir():
        raise FileNotFoundError(f"no release folder at {release}: run `make release`")
    workspace.mkdir(parents=True, exist_ok=True)
    record_path = workspace / COPIED_FROM
    record = json.loads(record_path.read_text()) if record_path.exists() else {}
    result = Sync()
    for relative in _release_files(release):
        source, target = release / relative, workspace / relative
        digest = _sha256(source)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            record[relative.as_posix()] = digest
            result.copied.append(relative)
        elif record.get(relative.as_posix(), digest) != digest:
            result.release_changed.append(relative)
        else:
            result.kept.append(relative)
    record_path.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    return result


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    release, workspace = (Path(a) for a in args) if args else (ROOT / "release",
                                                               ROOT / "workspace")
    try:
        result = sync(release, workspace)
    except FileNotFoundError as error:
        print(f"workspace: {error}", file=sys.stderr)
        return 1
    for relative in result.copied:
        print(f"workspace: copied {relative}")
    for relative in result.release_changed:
        print(f"workspace: {relative}: the release has changed since you copied it; your "
              f"file is kept. Compare with {release / relative}, or delete yours to get the "
              f"new one.")
    print(f"workspace: {workspace} ({len(result.copied)} file(s) copied, "
          f"{len(result.kept) + len(result.release_changed)} of yours kept)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
