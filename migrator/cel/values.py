"""Conversion between JSON (what Kubernetes objects are) and CEL values, and the canonical printed forms.

The printed forms are the ones `migrator eval` emits (shared/conformance/k8s-cel/README.md): uint and double
keep their type name, NaN/Infinity become strings, bytes are base64, timestamps RFC 3339 in UTC with `Z`,
durations in seconds (`"3723s"`, `"1.5s"`), library types their canonical string, type values their name.
"""

from __future__ import annotations

import base64
import datetime
import math
from typing import Any

from celpy import celtypes

from migrator.cel.types import OptionalValue, TypeValue, runtime_type_name

_UTC = datetime.timezone.utc
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=_UTC)


def to_cel(value: Any) -> Any:
    """JSON value -> CEL value (JSON integers are CEL int, numbers with a fraction are double, null is None)."""
    if value is None:
        return None
    t = type(value)
    if t is str:
        return celtypes.StringType(value)
    if t is bool:
        return celtypes.BoolType(value)
    if t is int:
        return celtypes.IntType(value)
    if t is float:
        return celtypes.DoubleType(value)
    if t is dict:
        m = celtypes.MapType()
        for k, v in value.items():
            dict.__setitem__(m, celtypes.StringType(k) if type(k) is str else to_cel(k), to_cel(v))
        return m
    if t is list or t is tuple:
        return celtypes.ListType([to_cel(v) for v in value])
    if isinstance(value, (celtypes.ListType, celtypes.MapType)):
        return value
    if isinstance(value, datetime.datetime):
        return celtypes.TimestampType(value)
    if isinstance(value, datetime.timedelta):
        return celtypes.DurationType(value)
    if isinstance(value, bytes):
        return celtypes.BytesType(value)
    return value


def format_timestamp(ts: datetime.datetime) -> str:
    """RFC 3339 in UTC with `Z` and only the fractional digits needed (Go's time.RFC3339Nano)."""
    if ts.tzinfo is not None:
        ts = ts.astimezone(_UTC)
    text = ts.strftime("%Y-%m-%dT%H:%M:%S")
    if ts.year < 1000:
        text = f"{ts.year:04d}" + text[text.index("-"):]
    nanos = ts.microsecond * 1000 + getattr(ts, "extra_ns", 0)
    if nanos:
        text += ("." + f"{nanos:09d}").rstrip("0")
    return text + "Z"


def format_duration(d: datetime.timedelta) -> str:
    """Seconds with the shortest exact fraction, as cel-go prints durations: `3723s`, `1.5s`, `-0.000001s`."""
    nanos = getattr(d, "total_ns", None)
    if nanos is None:
        nanos = ((d.days * 86400 + d.seconds) * 1_000_000 + d.microseconds) * 1000
    sign = "-" if nanos < 0 else ""
    seconds, frac = divmod(abs(nanos), 1_000_000_000)
    text = f"{sign}{seconds}"
    if frac:
        text += ("." + f"{frac:09d}").rstrip("0")
    return text + "s"


def _bare(value: Any) -> Any:
    return to_json(value)[0]


def _key(value: Any) -> str:
    if isinstance(value, celtypes.BoolType) or isinstance(value, bool):
        return "true" if value else "false"
    return str(_bare(value))


def to_json(value: Any) -> tuple[Any, str]:
    """CEL value -> (JSON value, CEL type name), as `migrator eval` prints it."""
    if value is None:
        return None, "null_type"
    if isinstance(value, (celtypes.BoolType, bool)):
        return bool(value), "bool"
    if isinstance(value, celtypes.UintType):
        return int(value), "uint"
    if isinstance(value, celtypes.IntType) or type(value) is int:
        return int(value), "int"
    if isinstance(value, float):
        f = float(value)
        if math.isnan(f):
            return "NaN", "double"
        if math.isinf(f):
            return ("Infinity" if f > 0 else "-Infinity"), "double"
        return f, "double"
    if isinstance(value, str) and type(value) in (str, celtypes.StringType):
        return str(value), "string"
    if isinstance(value, bytes):
        return base64.b64encode(bytes(value)).decode("ascii"), "bytes"
    if isinstance(value, (list, tuple)):
        return [_bare(v) for v in value], "list"
    if isinstance(value, dict):
        return {_key(k): _bare(v) for k, v in value.items()}, "map"
    if isinstance(value, datetime.datetime):
        return format_timestamp(value), "google.protobuf.Timestamp"
    if isinstance(value, datetime.timedelta):
        return format_duration(value), "google.protobuf.Duration"
    if isinstance(value, TypeValue):
        return value.name, "type"
    if isinstance(value, OptionalValue):
        return (_bare(value.value) if value.present else None), "optional_type"
    return str(value), runtime_type_name(value)
