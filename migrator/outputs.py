"""Writing outputs safely: atomically, and never over a user's file without `force`."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from migrator.errors import OutputError


def write_text_atomic(path: str | os.PathLike, text: str, *, force: bool = False) -> Path:
    """Write `text` to `path` through a temporary file and a rename, so a reader never sees half a file.

    Refuses to replace an existing file unless `force` is true.
    """
    target = Path(path)
    if target.exists() and not force:
        raise OutputError(f"{target}: already exists; use --force to overwrite it")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return target


def _mode_for(target: Path) -> int:
    """The mode a plain `open(path, "w")` would give: the existing file's, else 0o666 less the umask.

    (mkstemp creates files 0600, which would hide manifests from the rest of a team or a CI job.)
    """
    try:
        return target.stat().st_mode & 0o777
    except FileNotFoundError:
        return new_file_mode()


def new_file_mode() -> int:
    """The mode a plain open() gives a new file: 0o666 less the umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def check_writable(paths: list[Path], *, force: bool) -> None:
    """Fail before writing anything when one of `paths` exists and `force` is off (all-or-nothing runs)."""
    if force:
        return
    existing = [p for p in paths if Path(p).exists()]
    if existing:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise OutputError(f"{existing[0]}: already exists{more}; use --force to overwrite")
