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


_StringType = celtypes.StringType
_IntType = celtypes.IntType
_DoubleType = celtypes.DoubleType
_MapType = celtypes.MapType
_ListType = celtypes.ListType
_TRUE = int.__new__(celtypes.BoolType, 1)
_FALSE = int.__new__(celtypes.BoolType, 0)
_new_str = str.__new__
_new_int = int.__new__
_new_float = float.__new__
_new_dict = dict.__new__
_dict_init = dict.__init__


def to_cel(value: Any) -> Any:
    """JSON value -> CEL value (JSON integers are CEL int, numbers with a fraction are double, null is None).

    Conversion is the hot path of verify (every sample is converted once), so values are built without
    celtypes' Python-level constructors. Map keys stay plain `str`: equal and hashing like StringType, but
    dict lookups stay in C (StringType overrides __eq__/__hash__ in Python)."""
    t = type(value)
    if t is str:
        return _new_str(_StringType, value)
    if t is dict:
        m = _new_dict(_MapType)
        _dict_init(m, {(k if type(k) is str else to_cel(k)): to_cel(v) for k, v in value.items()})
        return m
    if t is list:
        return _ListType([to_cel(v) for v in value])
    if t is int:
        if -(2**63) <= value < 2**63:
            return _new_int(_IntType, value)
        return _new_float(_DoubleType, float(value))  # beyond int64: JSON numbers are doubles then
    if value is None:
        return None
    if t is bool:
        return _TRUE if value else _FALSE
    if t is float:
        return _new_float(_DoubleType, value)
    if t is tuple:
        return _ListType([to_cel(v) for v in value])
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
