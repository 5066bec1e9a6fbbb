"""Writing samples: one JSON file per sample in a folder, or one JSON line per sample in FILE.jsonl[.gz].

Both refuse to replace what is there without `force`, and both are atomic: a folder's files are each written
through a temporary file and a rename (migrator.outputs); a stream goes to a temporary file in the same folder
that is renamed over the target only when the run finishes, so an interrupted run leaves the old file intact.
Memory is constant: samples are written as they come, nothing is kept but counters.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from migrator.errors import OutputError
from migrator.outputs import new_file_mode

STREAM_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")


def is_stream_target(path: str | os.PathLike) -> bool:
    """FILE.jsonl (or .ndjson, optionally .gz) is a stream; anything else names a folder."""
    return str(path).endswith(STREAM_SUFFIXES)


class SampleWriter:
    """Base: `write(sample)` for each, then `close()` (or use as a context manager; an error discards a stream)."""

    def __init__(self, target: str | os.PathLike, *, force: bool = False) -> None:
        self.target = Path(target)
        self.force = force
        self.written = 0

    def write(self, review: dict[str, Any], label: str) -> str:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def abort(self) -> None:
        pass

    def __enter__(self) -> "SampleWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


class DirectoryWriter(SampleWriter):
    """`NNNNNN-<label>.json` files in a folder, numbered in the order written so a listing replays the log."""

    def __init__(self, target: str | os.PathLike, *, force: bool = False) -> None:
        super().__init__(target, force=force)
        if self.target.exists() and not self.target.is_dir():
            raise OutputError(f"{self.target}: exists and is not a folder")
        existing = _json_files(self.target)
        if existing and not force:
            raise OutputError(
                f"{self.target}: already holds {len(existing)} sample file(s); use --force to overwrite, "
                "or choose an empty folder"
            )
        self.preexisting = len(existing)
        try:
            self.target.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{self.target}: cannot create folder: {exc.strerror or exc}") from None

    def write(self, review: dict[str, Any], label: str) -> str:
        self.written += 1
        name = f"{self.written:06d}-{label}.json"
        text = json.dumps(review, indent=1, ensure_ascii=False) + "\n"
        final = self.target / name
        if final.exists() and not self.force:
            raise OutputError(f"{final}: already exists; use --force to overwrite it")
        # Atomic like migrator.outputs.write_text_atomic, without its per-file mkstemp + chmod: a fixed
        # hidden temporary name in the same folder, created with the user's umask, then renamed.
        tmp = self.target / f".{name}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, final)
        except OSError as exc:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise OutputError(f"{final}: cannot write: {exc.strerror or exc}") from None
        return name


class StreamWriter(SampleWriter):
    """JSON Lines, gzip-compressed when the name ends in .gz; renamed into place on close."""

    def __init__(self, target: str | os.PathLike, *, force: bool = False) -> None:
        super().__init__(target, force=force)
        if self.target.is_dir():
            raise OutputError(f"{self.target}: is a folder; a .jsonl output must be a file")
        if self.target.exists() and not force:
            raise OutputError(f"{self.target}: already exists; use --force to overwrite it")
        self.preexisting = 0
        try:
            self.target.parent.mkdir(parents=True, exist_ok=True)
            fd, self._tmp = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=".tmp", dir=self.target.parent)
        except OSError as exc:
            raise OutputError(f"{self.target}: cannot write: {exc.strerror or exc}") from None
        raw = os.fdopen(fd, "wb")
        self._raw = raw
        if str(self.target).endswith(".gz"):
            self._gz: gzip.GzipFile | None = gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0)
            self._fh = io.TextIOWrapper(self._gz, encoding="utf-8", newline="\n")
        else:
            self._gz = None
            self._fh = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
        self._closed = False

    def write(self, review: dict[str, Any], label: str) -> str:
        self.written += 1
        self._fh.write(json.dumps(review, ensure_ascii=False, separators=(",", ":")))
        self._fh.write("\n")
        return f"{self.target.name}#{self.written - 1}"

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._fh.flush()
            if self._gz is not None:
                self._fh.detach()
                self._gz.close()
            self._raw.flush()
            os.fsync(self._raw.fileno())
            os.fchmod(self._raw.fileno(), new_file_mode())  # temporary files are created 0600
            self._raw.close()
            os.replace(self._tmp, self.target)
        except OSError as exc:
            self._discard()
            raise OutputError(f"{self.target}: cannot write: {exc.strerror or exc}") from None

    def abort(self) -> None:
        if not self._closed:
            self._closed = True
            self._discard()

    def _discard(self) -> None:
        for closer in (self._fh.close, self._raw.close):
            try:
                closer()
            except Exception:  # noqa: BLE001 - best effort while already failing
                pass
        try:
            os.unlink(self._tmp)
        except OSError:
            pass


def _json_files(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    return [n for n in os.listdir(folder) if n.endswith(".json") and not n.startswith(".")]


def open_writer(target: str | os.PathLike, *, force: bool = False) -> SampleWriter:
    """A StreamWriter for FILE.jsonl[.gz], otherwise a DirectoryWriter."""
    if is_stream_target(target):
        return StreamWriter(target, force=force)
    return DirectoryWriter(target, force=force)
