"""cel-go value semantics the list and set libraries rely on: heterogeneous equality and ordering.

cel-go compares int, uint and double across types (1 == 1.0 == 1u), compares lists and maps element by
element, and treats values of unrelated types as unequal. Python's own == does not (True == 1, 1 == 1.0 for
any int/float pair, no uint), so the libraries use these helpers.
"""

from __future__ import annotations

import math
from typing import Any

from migrator.cel import runtime as R

_INT64_MIN_F = -9.223372036854775808e18
_INT64_MAX_F = 9.223372036854775807e18
_UINT64_MAX_F = 1.8446744073709551615e19


_KIND_NAMES = {
    R.K_BOOL: "bool", R.K_INT: "int", R.K_UINT: "uint", R.K_DOUBLE: "double", R.K_STRING: "string", R.K_BYTES: "bytes",
    R.K_LIST: "list", R.K_MAP: "map", R.K_NULL: "null", R.K_TS: "timestamp", R.K_DUR: "duration",
    R.K_TYPE: "other", R.K_OPT: "other", R.K_OTHER: "other",
}


def kind(v: Any) -> str:
    """A coarse CEL kind: bool, int, uint, double, string, bytes, null, list, map, timestamp, duration, other.

    The runtime's own classification (runtime.kind: library types are always `other`), by name."""
    return _KIND_NAMES[R.kind(v)]


_NUMERIC = ("int", "uint", "double")


def _cmp(a: Any, b: Any) -> int:
    return (a > b) - (a < b)


def _num_compare(a: Any, ka: str, b: Any, kb: str) -> int:
    """cel-go's cross-type numeric Compare (compareIntDouble etc.); NaN compares as 0, as in Go."""
    if ka == "double" and kb == "double":
        return _cmp(float(a), float(b))
    if ka == "double":
        return -_num_compare(b, kb, a, ka)
    if kb == "double":
        d = float(b)
        if d < (_INT64_MIN_F if ka == "int" else 0.0):
            return 1
        if d > (_INT64_MAX_F if ka == "int" else _UINT64_MAX_F):
            return -1
        return _cmp(float(int(a)), d)
    return _cmp(int(a), int(b))


def _is_nan(v: Any, k: str) -> bool:
    return k == "double" and math.isnan(float(v))


def cel_equal(a: Any, b: Any) -> bool:
    """cel-go `==` (heterogeneous equality; unrelated types are unequal, never an error): the engine's own, so the
    set and list libraries agree with `==` to the nanosecond and on NaN."""
    return R.cel_equal(a, b)


def cel_compare(a: Any, b: Any) -> int:
    """cel-go Compare for orderable values; TypeError("no such overload") when the pair is not comparable."""
    ka, kb = kind(a), kind(b)
    if ka in _NUMERIC and kb in _NUMERIC:
        return _num_compare(a, ka, b, kb)
    if ka != kb or ka not in ("bool", "string", "bytes", "timestamp", "duration"):
        raise TypeError("no such overload")
    if ka == "bool":
        return _cmp(bool(a), bool(b))
    if ka == "string":
        # Go compares strings by UTF-8 bytes, which orders like code points.
        return _cmp(str(a), str(b))
    if ka == "timestamp":
        return _cmp(R.timestamp_ns(a), R.timestamp_ns(b))
    if ka == "duration":
        return _cmp(R.duration_ns(a), R.duration_ns(b))
    return _cmp(a, b)


def type_name(v: Any) -> str:
    from migrator.cel.types import runtime_type_name

    return runtime_type_name(v)
