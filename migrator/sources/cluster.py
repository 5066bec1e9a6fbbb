"""A cluster dump folder -> one Inventory: objects, metric scrapes, log lines, audit events.

What a platform engineer can hand over: `kubectl get ... -o yaml|json` output (single objects, multi-document
streams, `kind: List`), Prometheus scrapes of the API server's /metrics (`*.prom`, `metrics*.txt`), API server
and other component logs (`*.log`: klog text or JSON lines), audit logs (`*.log`, `*.jsonl`, `*.json`), any of
them gzipped. See docs/analyze.md for the exact rules.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

from migrator.errors import InputError
from migrator.sources.documents import is_list_kind, parse_yaml_stream, read_text, strip_gz
from migrator.sources.kinds import split_api_version
from migrator.sources.prometheus import Scrape, parse_prometheus_text

AUDIT_API_VERSION = "audit.k8s.io/v1"


@dataclass(frozen=True)
class KubeObject:
    """One Kubernetes object and the file it came from."""

    obj: dict
    source: str
    line: int = 0  # 1-based line of the document (of its List for list items); 0 when unknown

    @property
    def kind(self) -> str:
        return str(self.obj.get("kind") or "")

    @property
    def api_version(self) -> str:
        return str(self.obj.get("apiVersion") or "")

    @property
    def group(self) -> str:
        return split_api_version(self.api_version)[0]

    @property
    def metadata(self) -> dict:
        meta = self.obj.get("metadata")
        return meta if isinstance(meta, dict) else {}

    @property
    def name(self) -> str:
        return str(self.metadata.get("name") or "")

    @property
    def namespace(self) -> str:
        return str(self.metadata.get("namespace") or "")

    @property
    def labels(self) -> dict[str, str]:
        labels = self.metadata.get("labels")
        return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}

    @property
    def spec(self) -> dict:
        spec = self.obj.get("spec")
        return spec if isinstance(spec, dict) else {}


@dataclass(frozen=True)
class LogLine:
    """One line of log text (already taken out of its JSON wrapper), with its timestamp when it has one."""

    text: str
    timestamp: datetime | None
    source: str
    line: int


@dataclass(frozen=True)
class AuditEvent:
    """One `audit.k8s.io/v1` Event."""

    obj: dict
    source: str
    line: int


@dataclass
class Inventory:
    """Everything read from a dump (or a live cluster), in input order, duplicates of one object dropped."""

    objects: list[KubeObject] = field(default_factory=list)
    scrapes: list[Scrape] = field(default_factory=list)
    log_lines: list[LogLine] = field(default_factory=list)
    audit_events: list[AuditEvent] = field(default_factory=list)
    _seen: set = field(default_factory=set, repr=False)

    def add_object(self, obj: Any, source: str, line: int = 0) -> None:
        """Add a document: Lists contribute their items, audit events go to `audit_events`, others are kept
        when they have `apiVersion` and `kind`. The same object (kind, namespace, name) is kept once."""
        if not isinstance(obj, dict):
            return
        if is_list_kind(obj):
            for item in obj["items"]:
                if isinstance(item, dict) and "kind" not in item and obj.get("kind") not in ("List",):
                    # typed lists (PodList) may omit kind/apiVersion on items
                    item = {"kind": obj["kind"][: -len("List")], "apiVersion": obj.get("apiVersion", ""), **item}
                self.add_object(item, source, line)
            return
        if not isinstance(obj.get("kind"), str) or not isinstance(obj.get("apiVersion"), str):
            return
        if obj["apiVersion"] == AUDIT_API_VERSION and obj["kind"] == "Event":
            self.audit_events.append(AuditEvent(obj, source, line))
            return
        ko = KubeObject(obj, source, line)
        if ko.name:
            key = (ko.group, ko.kind, ko.namespace, ko.name)
            if key in self._seen:
                return
            self._seen.add(key)
        self.objects.append(ko)

    def of_kind(self, *kinds: str) -> list[KubeObject]:
        wanted = set(kinds)
        return [o for o in self.objects if o.kind in wanted]


# ---------------------------------------------------------------------------------------------------------------
# Reading a folder


def file_role(name: str) -> str | None:
    """What a file in a dump is, from its name: 'metrics', 'log', 'jsonl', 'json', 'yaml' or None (ignored)."""
    base = strip_gz(os.path.basename(name))
    lower = base.lower()
    if lower.endswith(".prom") or (lower.startswith("metrics") and lower.endswith(".txt")):
        return "metrics"
    if lower.endswith(".log"):
        return "log"
    if lower.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if lower.endswith(".json"):
        return "json"
    if lower.endswith((".yaml", ".yml")):
        return "yaml"
    return None


def dump_files(root: str | os.PathLike) -> list[str]:
    """Every file of the dump that analyze reads, sorted, hidden folders skipped."""
    p = Path(root)
    if not p.exists():
        raise InputError(str(p), "no such file or directory")
    if p.is_file():
        return [str(p)] if file_role(str(p)) else []
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(p):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for fn in sorted(filenames):
            if not fn.startswith(".") and file_role(fn):
                found.append(os.path.join(dirpath, fn))
    return found


def load_dump(root: str | os.PathLike, *, now: datetime) -> Inventory:
    """Read every file of a dump folder into an Inventory. A file that does not parse raises InputError
    (before anything is reported: the caller gets all or nothing)."""
    inventory = Inventory()
    for path in dump_files(root):
        read_file_into(inventory, path, now=now)
    return inventory


def read_file_into(inventory: Inventory, path: str, *, now: datetime) -> None:
    role = file_role(path)
    if role in ("log", "jsonl"):
        _read_lines(inventory, _stream_lines(path), path, now, objects=role == "jsonl")
        return
    text = _read_dump_text(path)
    if role == "metrics":
        inventory.scrapes.append(parse_prometheus_text(text, path))
    elif role == "yaml":
        for _index, line, obj in parse_yaml_stream(text, path):
            inventory.add_object(obj, path, line)
    elif role == "json":
        _read_json(inventory, text, path, now)


_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def _read_dump_text(path: str) -> str:
    """A dump file's text. A byte-order mark is read and dropped: Windows tools write them (PowerShell 5's `>`
    writes UTF-16LE with a BOM, `Out-File -Encoding utf8` and Notepad a UTF-8 BOM, which JSON parsers reject)."""
    text = read_text(path) if not _starts_with_utf16_bom(path) else None
    if text is not None:
        return text[1:] if text.startswith("\ufeff") else text
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(path, f"cannot read: {exc}") from None
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw[len(bom):].decode(encoding)
            except UnicodeDecodeError as exc:
                raise InputError(path, f"not {encoding} text ({exc.reason} at byte {exc.start + len(bom)})") from None
    return raw.decode("utf-8")  # pragma: no cover - only reached with a UTF-16 BOM


def _starts_with_utf16_bom(path: str) -> bool:
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            head = fh.read(2)
    except (OSError, EOFError, zlib.error):
        return False  # read_text reports it
    return head in (b"\xff\xfe", b"\xfe\xff")


def _stream_lines(path: str) -> Iterator[str]:
    """Lines of a (possibly gzipped, possibly huge) log file, read as a stream; bytes that are not UTF-8 are
    replaced, not fatal: one bad byte in a log must not stop the analysis."""
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            for raw in fh:
                yield raw.decode("utf-8", "replace")
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except PermissionError:
        raise InputError(path, "permission denied") from None
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
        raise InputError(path, f"cannot read: {exc}") from None


def _read_json(inventory: Inventory, text: str, path: str, now: datetime) -> None:
    stripped = text.strip()
    if not stripped:
        return
    try:
        value = json.loads(stripped)
    except json.JSONDecodeError as whole:
        lines = [ln for ln in text.splitlines() if ln.strip()]
        if len(lines) >= 2 and all(_is_json_line(ln) for ln in lines):
            _read_lines(inventory, text.splitlines(), path, now, objects=True)
            return
        values = _json_stream(stripped)  # `kubectl get -o json` appended several times to one file
        if values is None and len(lines) >= 2 and _is_json_mapping_line(lines[0]):
            # JSON lines with a line that is not JSON (a log export's truncated last line, a text line): such
            # lines are log text, the file is not a parse error
            _read_lines(inventory, text.splitlines(), path, now, objects=True)
            return
        if values is None:
            raise InputError(path, f"invalid JSON: {whole.msg}", f"line {whole.lineno}, column {whole.colno}") from None
        for value, line in values:
            inventory.add_object(value, path, line)
        return
    if isinstance(value, dict) and not ("kind" in value and "apiVersion" in value) and "\n" not in stripped:
        _read_lines(inventory, text.splitlines(), path, now)  # a one-line JSON log file
        return
    records = value.get("events") if isinstance(value, dict) and "kind" not in value else value
    for obj in records if isinstance(records, list) else [value]:
        if isinstance(obj, dict) and "kind" not in obj and any(isinstance(obj.get(k), str) for k in MESSAGE_FIELDS):
            # a log export as one JSON document (`aws logs filter-log-events`: {"events": [{"timestamp", "message"}]})
            record = _json_log_line(obj, json.dumps(obj), path, 1, now)
            if _MARKER.search(record.text):
                inventory.log_lines.append(record)
            continue
        inventory.add_object(obj, path, 1)


def _json_stream(text: str) -> list[tuple[Any, int]] | None:
    """Several JSON values one after another (whitespace between); None unless the whole text is such a stream."""
    decoder = json.JSONDecoder()
    out: list[tuple[Any, int]] = []
    pos = 0
    while pos < len(text):
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            break
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            return None
        out.append((value, text.count("\n", 0, pos) + 1))
        pos = end
    return out if len(out) > 1 else None


def _is_json_mapping_line(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except json.JSONDecodeError:
        return False


def _is_json_line(line: str) -> bool:
    try:
        json.loads(line)
    except json.JSONDecodeError:
        return False
    return True


def _read_lines(inventory: Inventory, lines: Iterable[str], path: str, now: datetime, *, objects: bool = False) -> None:
    """Log-ish files: each line is an audit event (JSON with apiVersion audit.k8s.io/v1) or log text.

    Only lines that mention a failed webhook call are kept: nothing else in a log is read, and logs are large.
    With `objects` (`*.jsonl` and JSON-lines `*.json` files), a line that is a Kubernetes object (`kubectl get -o
    json | jq -c '.items[]'`: a mapping with apiVersion and kind) is read as that object, not as log text."""
    for lineno, raw in enumerate(lines, 1):
        if objects and '"kind"' in raw and AUDIT_API_VERSION not in raw and _add_object_line(inventory, raw, path, lineno):
            continue
        if not _MARKER.search(raw):
            continue
        line = raw.strip().lstrip("\ufeff")  # a UTF-8 BOM before the first line (Windows exports)
        prefix_time = None
        if not line.startswith("{"):
            # CRI container logs (/var/log/pods, `kubectl logs --timestamps`) put a time (and `stdout F`) before the
            # JSON record: an audit log written to stdout (--audit-log-path=-) stays an audit log
            prefix = _LINE_PREFIX.match(line)
            if prefix and line[prefix.end():].startswith("{"):
                prefix_time = parse_timestamp(prefix.group(1))
                line = line[prefix.end():]
        if line.startswith("{"):
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                obj = None
            if isinstance(obj, dict):
                if obj.get("apiVersion") == AUDIT_API_VERSION:
                    if obj.get("kind") == "EventList" and isinstance(obj.get("items"), list):
                        for item in obj["items"]:
                            if isinstance(item, dict):
                                inventory.audit_events.append(AuditEvent(item, path, lineno))
                    else:
                        inventory.audit_events.append(AuditEvent(obj, path, lineno))
                    continue
                record = _json_log_line(obj, line, path, lineno, now)
                if record.timestamp is None and prefix_time is not None:
                    record = LogLine(record.text, prefix_time, path, lineno)
                inventory.log_lines.append(record)
                continue
            if prefix_time is not None:
                line = raw.strip()  # not JSON after all: the whole line is the text, its prefix the time
        inventory.log_lines.append(LogLine(line, klog_timestamp(line, now), path, lineno))


def _add_object_line(inventory: Inventory, raw: str, path: str, lineno: int) -> bool:
    """Add a JSON line holding a Kubernetes object (or List); False when the line is something else."""
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError:
        return False
    if not (isinstance(obj, dict) and isinstance(obj.get("kind"), str) and isinstance(obj.get("apiVersion"), str)):
        return False
    inventory.add_object(obj, path, lineno)
    return True


_MARKER = re.compile(r"failed calling webhook", re.I)  # what the call-failures check looks for
MESSAGE_FIELDS = ("message", "@message", "log", "msg")
TIME_FIELDS = ("@timestamp", "timestamp", "time", "ts")


def _json_log_line(obj: dict, raw: str, path: str, lineno: int, now: datetime) -> LogLine:
    """A JSON log record: its message field is the text (CloudWatch `message`/`@message`, fluent-bit `log`,
    klog JSON `msg`). When the marker is elsewhere in the record (klog JSON keeps the error in `err`), the whole
    line is the text, so no failed call is missed."""
    text = None
    for key in MESSAGE_FIELDS:
        value = obj.get(key)
        if isinstance(value, str):
            text = value
            break
    if text is None or not _MARKER.search(text):
        text = raw if _MARKER.search(raw) else (text or raw)
    timestamp = None
    for key in TIME_FIELDS:
        if key in obj:
            timestamp = parse_timestamp(obj[key])
            if timestamp is not None:
                break
    if timestamp is None:  # fluent-bit style {"log": "E1124 10:15:30.1 ..."}: the klog header has the time
        timestamp = klog_timestamp(text, now)
    return LogLine(text, timestamp, path, lineno)


def unescape_quotes(text: str) -> str:
    """Structured klog values escape the quotes around names: read `\\"` as `"` (repeatedly, for JSON-in-JSON)."""
    previous = None
    while previous != text and '\\"' in text:
        previous, text = text, text.replace('\\"', '"')
    return text


# ---------------------------------------------------------------------------------------------------------------
# Timestamps

_KLOG_HEADER = re.compile(r"^[IWEF](\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?\s")


_KLOG_HEADER_INSIDE = re.compile(r"(?<!\S)[IWEF](\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?\s+\d+ [^\s:\]]+:\d+\]")
_LINE_PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))\s+(?:(?:stdout|stderr)\s+[FP]\s+)?")


def klog_timestamp(line: str, now: datetime) -> datetime | None:
    """klog's header `E1124 10:15:30.123456 ...` has no year: take `now`'s year, or the year before when that
    date would lie after `now`. Lines from `kubectl logs --timestamps` or CRI log files (/var/log/pods) start with
    an RFC 3339 time (and `stderr F`): the klog header after it still wins; without one, that time is used."""
    m = _KLOG_HEADER.match(line)
    if not m:
        prefix = _LINE_PREFIX.match(line)
        if not prefix:
            # journald/syslog (`Nov 24 10:15:30 node kube-apiserver[812]: E1124 10:15:30.123 812 x.go:1] ...`):
            # the full klog header further in the line
            m = _KLOG_HEADER_INSIDE.search(line)
            if not m:
                return None
            return _klog_time(m, now)
        m = _KLOG_HEADER.match(line[prefix.end():])
        if not m:
            return parse_timestamp(prefix.group(1))
    return _klog_time(m, now)


def _klog_time(m: re.Match, now: datetime) -> datetime | None:
    month, day, hour, minute, second = (int(g) for g in m.groups()[:5])
    micro = int((m.group(6) or "0")[:6].ljust(6, "0"))
    for year in (now.year, now.year - 1):
        try:
            ts = datetime(year, month, day, hour, minute, second, micro, tzinfo=timezone.utc)
        except ValueError:  # Feb 29 in a non-leap year, or a bad date
            continue
        if ts <= now or year != now.year:
            return ts
    return None


def parse_timestamp(value: Any) -> datetime | None:
    """RFC 3339 strings (any offset, fractional seconds) or epoch seconds/milliseconds -> aware UTC datetime."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        seconds = float(value)
        if seconds > 1e11:  # milliseconds
            seconds /= 1000.0
        try:
            return datetime.fromtimestamp(seconds, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("z", "Z")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    m = re.match(r"^(.*?T\d{2}:\d{2}:\d{2})\.(\d+)(.*)$", text)
    if m:  # Python takes at most 6 fractional digits
        text = f"{m.group(1)}.{m.group(2)[:6].ljust(6, '0')}{m.group(3)}"
    try:
        ts = datetime.fromisoformat(text)
    except ValueError:
        return None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=timezone.utc)
    return ts.astimezone(timezone.utc)


def format_timestamp(ts: datetime | None) -> str | None:
    """RFC 3339 UTC: `2026-11-24T10:15:30Z`, or with six fractional digits when the time has a fraction, as
    Kubernetes writes MicroTime (audit stageTimestamp, Event eventTime)."""
    if ts is None:
        return None
    ts = ts.astimezone(timezone.utc)
    text = ts.strftime("%Y-%m-%dT%H:%M:%S")
    if ts.microsecond:
        text += f".{ts.microsecond:06d}"
    return text + "Z"


__all__ = [
    "AuditEvent",
    "Inventory",
    "KubeObject",
    "LogLine",
    "dump_files",
    "file_role",
    "format_timestamp",
    "klog_timestamp",
    "load_dump",
    "parse_timestamp",
    "unescape_quotes",
]
