"""Kubernetes CEL `lists` library, version 0 (k8s.io/apiserver pkg/cel/library/lists.go).

isSorted(), sum(), min(), max(), indexOf(x), lastIndexOf(x) on lists. Version 1's `includes` arrives with
Kubernetes 1.37, which is not released yet (newest release: 1.36), so it is not declared.
"""

from __future__ import annotations

import datetime
from typing import Any

from celpy import celtypes

from migrator.cel.engine import EvaluationError
from migrator.cel.library import Library
from migrator.cel.library._celvalues import cel_compare, cel_equal, kind
from migrator.cel.library._gostd import INT64_MAX, INT64_MIN, UINT64_MAX

COMPARABLE = ("int", "uint", "double", "bool", "google.protobuf.Duration", "google.protobuf.Timestamp", "string", "bytes")
SUMMABLE = ("int", "uint", "double", "google.protobuf.Duration")

_MAX_DURATION = datetime.timedelta(seconds=315576000000)


_COMPARABLE_KINDS = ("int", "uint", "double", "bool", "duration", "timestamp", "string", "bytes")


def _comparable(v: Any) -> Any:
    """lists.go asserts traits.Comparer on every element: anything else is `no such overload`."""
    if kind(v) not in _COMPARABLE_KINDS:
        raise EvaluationError("no such overload")
    return v


def _compare(a: Any, b: Any) -> int | None:
    """Comparer.Compare; None where cel-go returns an error value, which lists.go simply does not act on."""
    try:
        return cel_compare(a, b)
    except TypeError:
        return None


def is_sorted(items: list) -> celtypes.BoolType:
    prev = None
    first = True
    for item in items:
        _comparable(item)
        if not first and _compare(prev, item) == 1:
            return celtypes.BoolType(False)
        prev, first = item, False
    return celtypes.BoolType(True)


def _add(acc: Any, nxt: Any) -> Any:
    ka, kn = kind(acc), kind(nxt)
    if ka != kn or ka not in ("int", "uint", "double", "duration"):
        raise EvaluationError("no such overload")
    if ka == "int":
        r = int(acc) + int(nxt)
        if r < INT64_MIN or r > INT64_MAX:
            raise EvaluationError("integer overflow")
        return celtypes.IntType(r)
    if ka == "uint":
        r = int(acc) + int(nxt)
        if r > UINT64_MAX:
            raise EvaluationError("unsigned integer overflow")
        return celtypes.UintType(r)
    if ka == "double":
        return celtypes.DoubleType(float(acc) + float(nxt))
    r = acc + nxt
    if abs(r) > _MAX_DURATION:
        raise EvaluationError("integer overflow")
    return celtypes.DurationType(r)


def list_sum(items: list) -> Any:
    acc: Any = None
    for item in items:
        acc = item if acc is None else _add(acc, item)
    return celtypes.IntType(0) if acc is None else acc


def _extreme(name: str, prefer: int):  # type: ignore[no-untyped-def]
    def impl(items: list) -> Any:
        result: Any = None
        found = False
        for item in items:
            _comparable(item)
            if not found:
                result, found = item, True
            elif _compare(result, item) == prefer:
                result = item
        if not found:
            raise EvaluationError(f"{name} called on empty list")
        return result

    return impl


def index_of(items: list, item: Any) -> celtypes.IntType:
    for i, v in enumerate(items):
        if cel_equal(v, item):
            return celtypes.IntType(i)
    return celtypes.IntType(-1)


def last_index_of(items: list, item: Any) -> celtypes.IntType:
    for i in range(len(items) - 1, -1, -1):
        if cel_equal(items[i], item):
            return celtypes.IntType(i)
    return celtypes.IntType(-1)


LIBRARY = Library(name="kubernetes.lists")
_min, _max = _extreme("min", 1), _extreme("max", -1)
for _t in COMPARABLE:
    LIBRARY.add("isSorted", is_sorted, (f"list({_t})",), "bool", member=True)
for _t in SUMMABLE:
    LIBRARY.add("sum", list_sum, (f"list({_t})",), _t, member=True)
for _t in COMPARABLE:
    LIBRARY.add("max", _max, (f"list({_t})",), _t, member=True)
for _t in COMPARABLE:
    LIBRARY.add("min", _min, (f"list({_t})",), _t, member=True)
LIBRARY.add("indexOf", index_of, ("list(A)", "A"), "int", member=True)
LIBRARY.add("lastIndexOf", last_index_of, ("list(A)", "A"), "int", member=True)
