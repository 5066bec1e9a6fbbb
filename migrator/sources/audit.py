"""Kubernetes API server audit logs (audit.k8s.io/v1 `Event`, JSON Lines, optionally gzip), read as a stream.

What `--audit-log-path` with `--audit-log-format=json` writes: one Event per line. The webhook backend's
batches (`EventList` per line) are read too. Memory stays constant in the size of the log: one line at a time,
and only the first few bad line numbers are kept (the rest are counted).

Damage is reported, never fatal: a line that is not JSON or not an Event is counted with its line number, a
last line cut off mid-way is reported as truncated, and a gzip stream that ends early (a log copied while it was
being written) is reported with the last line read; the lines before the damage are still used.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import sys
import zlib
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from migrator.errors import InputError
from migrator.sources.documents import not_hidden, walk_files

AUDIT_API_VERSIONS = ("audit.k8s.io/v1", "audit.k8s.io/v1beta1")
MAX_LINE_NUMBERS = 20  # bad line numbers kept per file; more are only counted
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class AuditEvent:
    """One audit Event and where it was read (`item` is its index inside an EventList line)."""

    path: str
    line: int
    event: dict[str, Any]
    item: int | None = None

    @property
    def where(self) -> str:
        text = f"{self.path}:{self.line}"
        return text if self.item is None else f"{text} items[{self.item}]"


@dataclass
class BadLines:
    """Bad lines of one kind in one file: how many, and the first line numbers."""

    count: int = 0
    lines: list[int] = field(default_factory=list)

    def add(self, line: int) -> None:
        self.count += 1
        if len(self.lines) < MAX_LINE_NUMBERS:
            self.lines.append(line)

    def describe(self) -> str:
        shown = ", ".join(str(n) for n in self.lines)
        more = f" and {self.count - len(self.lines)} more" if self.count > len(self.lines) else ""
        return f"line{'s' if self.count > 1 else ''} {shown}{more}"


@dataclass
class FileStats:
    """What reading one log file found."""

    path: str
    lines: int = 0
    events: int = 0
    corrupt: BadLines = field(default_factory=BadLines)  # not JSON
    not_events: BadLines = field(default_factory=BadLines)  # JSON, but not an audit Event
    truncated_line: int | None = None  # last line cut off mid-way
    stream_error: str | None = None  # gzip that ends early, unreadable file, ...

    @property
    def problems(self) -> list[str]:
        """One human line per problem found in this file."""
        out = []
        if self.corrupt.count:
            out.append(f"{self.path}: {self.corrupt.count} corrupt line(s) (not JSON): {self.corrupt.describe()}")
        if self.not_events.count:
            out.append(
                f"{self.path}: {self.not_events.count} line(s) are not audit.k8s.io Events: {self.not_events.describe()}"
            )
        if self.truncated_line is not None:
            out.append(f"{self.path}: line {self.truncated_line} is truncated (the log ends mid-line)")
        if self.stream_error:
            out.append(f"{self.path}: {self.stream_error}")
        if self.events == 0 and self.corrupt.count and not self.stream_error:
            out.append(f"{self.path}: no audit events found; is it a JSON audit log (--audit-log-format=json)?")
        return out


def is_audit_event(obj: Any) -> bool:
    """An audit.k8s.io Event: by apiVersion/kind, or (log shippers drop those) by its required fields."""
    if not isinstance(obj, dict):
        return False
    if obj.get("kind") == "Event" and obj.get("apiVersion") in AUDIT_API_VERSIONS:
        return True
    return "kind" not in obj and "auditID" in obj and "stage" in obj and "verb" in obj


class _Unclosed(io.BufferedReader):
    """stdin, read through a buffer we may peek into, and left open when we are done."""

    def close(self) -> None:
        pass


def _open_binary(path: str):
    try:
        fh = open(path, "rb") if path != "-" else _Unclosed(sys.stdin.buffer)
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except IsADirectoryError:
        raise InputError(path, "is a directory, expected an audit log file") from None
    except PermissionError:
        raise InputError(path, "permission denied") from None
    # Rotated logs are often gzipped without a .gz name (and .gz files are sometimes plain): trust the bytes.
    head = fh.peek(2)[:2] if hasattr(fh, "peek") else b""
    if head == _GZIP_MAGIC:
        return gzip.GzipFile(fileobj=fh, mode="rb"), True
    return fh, False


def read_audit_file(path: str, stats: FileStats) -> Iterator[AuditEvent]:
    """Events of one log file, in order; problems are recorded in `stats`, never raised (except a missing file)."""
    fh, gzipped = _open_binary(path)
    lineno = 0
    try:
        try:
            for raw in fh:
                lineno += 1
                stats.lines = lineno
                if not raw.strip():
                    continue
                try:
                    obj = json.loads(raw)
                except ValueError:  # JSONDecodeError and UnicodeDecodeError
                    if not raw.endswith(b"\n"):
                        stats.truncated_line = lineno
                    else:
                        stats.corrupt.add(lineno)
                    continue
                if isinstance(obj, dict) and obj.get("kind") == "EventList" and isinstance(obj.get("items"), list):
                    for i, item in enumerate(obj["items"]):
                        if is_audit_event(item):
                            stats.events += 1
                            yield AuditEvent(path, lineno, item, i)
                        else:
                            stats.not_events.add(lineno)
                    continue
                if not is_audit_event(obj):
                    stats.not_events.add(lineno)
                    continue
                stats.events += 1
                yield AuditEvent(path, lineno, obj)
        except EOFError:
            stats.stream_error = (
                f"gzip stream ends early after line {lineno} (file truncated or still being written); "
                "events before it were read"
            )
        except (gzip.BadGzipFile, zlib.error) as exc:
            kind = "corrupt gzip data" if gzipped else "unreadable data"
            stats.stream_error = f"{kind} after line {lineno}: {exc}; events before it were read"
        except OSError as exc:
            stats.stream_error = f"read error after line {lineno}: {exc}"
    finally:
        fh.close()


def find_audit_logs(paths: Iterable[str | os.PathLike]) -> list[str]:
    """Files named directly, plus every regular file under named folders (sorted, hidden ones left out);
    `-` is standard input."""
    out: list[str] = []
    for raw in paths:
        p = str(raw)
        if p == "-":
            out.append(p)
        elif os.path.isdir(p):
            out.extend(walk_files(p, keep_dir=not_hidden, keep_file=not_hidden))
        elif os.path.exists(p):
            out.append(p)
        else:
            raise InputError(p, "no such file or directory")
    return out
