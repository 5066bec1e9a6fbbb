"""cel-go `ext.Lists(ext.ListsVersion(3))` (cel-go ext/lists.go), enabled by Kubernetes 1.34+.

slice(start, end), flatten([depth]), distinct(), reverse(), sort(), lists.range(n), and the runtime half of
the `sortBy(var, keyExpr)` macro: `@sortByAssociatedKeys(list, keys)`. The macro itself belongs to the
parser: cel-go expands `xs.sortBy(e, k)` to `@sortByAssociatedKeys(xs, xs.map(e, k))` (binding xs once).

Sorting: cel-go uses Go's sort.Slice (pdqsort), which is not stable; _gosort.py ports it, so equal keys
come out in the API server's order (for up to 12 elements that is the original order).
"""

from __future__ import annotations

from typing import Any

from celpy import celtypes

from migrator.cel.engine import EvaluationError
from migrator.cel.library import Library
from migrator.cel.library._celvalues import cel_compare, cel_equal, kind
from migrator.cel.library._gosort import sort_slice

COMPARABLE = ("int", "uint", "double", "bool", "google.protobuf.Duration", "google.protobuf.Timestamp", "string", "bytes")
_COMPARABLE_KINDS = ("int", "uint", "double", "bool", "duration", "timestamp", "string", "bytes")


def _list(items: list) -> celtypes.ListType:
    return celtypes.ListType(items)


def list_slice(items: list, start: int, end: int) -> celtypes.ListType:
    start, end, n = int(start), int(end), len(items)
    if start < 0 or end < 0:
        raise EvaluationError(f"cannot slice({start}, {end}), negative indexes not supported")
    if start > end:
        raise EvaluationError(f"cannot slice({start}, {end}), start index must be less than or equal to end index")
    if n < end:
        raise EvaluationError(f"cannot slice({start}, {end}), list is length {n}")
    return _list(list(items[start:end]))


def _flatten(items: list, depth: int) -> list:
    if depth < 0:
        raise EvaluationError("level must be non-negative")
    out: list = []
    for v in items:
        if kind(v) != "list" or depth == 0:
            out.append(v)
        else:
            out.extend(_flatten(v, depth - 1))
    return out


def flatten(items: Any, depth: Any = None) -> celtypes.ListType:
    if kind(items) != "list":
        raise EvaluationError("no such overload")
    if depth is None:
        return _list(_flatten(items, 1))
    if kind(depth) != "int":
        raise EvaluationError("no such overload")
    return _list(_flatten(items, int(depth)))


def distinct(items: list) -> celtypes.ListType:
    unique: list = []
    for v in items:
        if not any(cel_equal(v, u) for u in unique):
            unique.append(v)
    return _list(unique)


def reverse(items: list) -> celtypes.ListType:
    return _list(list(reversed(items)))


def sort_by_associated_keys(items: list, keys: list) -> celtypes.ListType:
    if len(items) != len(keys):
        raise EvaluationError(
            "@sortByAssociatedKeys() expected a list of the same size as the associated keys list, "
            f"but got {len(items)} and {len(keys)} elements respectively"
        )
    if len(items) == 0:
        return _list(list(items))
    first_kind = kind(keys[0])
    if first_kind not in _COMPARABLE_KINDS:
        raise EvaluationError("list elements must be comparable")
    if any(kind(k) != first_kind for k in keys):
        raise EvaluationError("list elements must have the same type")

    order = list(range(len(items)))
    sort_slice(order, lambda i, j: cel_compare(keys[i], keys[j]) == -1)  # type: ignore[arg-type]
    return _list([items[i] for i in order])


def sort(items: list) -> celtypes.ListType:
    return sort_by_associated_keys(items, items)


def lists_range(n: int) -> celtypes.ListType:
    """lists.range(n): [0, n). cel-go costs the call by n, so a range beyond Kubernetes' per-call limit
    (PerCallLimit, 1,000,000) is over budget there; it is refused before allocating it."""
    from migrator.cel.engine import PER_CALL_LIMIT

    n = int(n)
    if n > PER_CALL_LIMIT:
        raise EvaluationError("operation cancelled: actual cost limit exceeded")
    return _list([celtypes.IntType(i) for i in range(max(n, 0))])


LIBRARY = Library(name="cel.lib.ext.lists")
LIBRARY.add("slice", list_slice, ("list(T)", "int", "int"), "list(T)", member=True)
LIBRARY.add("flatten", flatten, ("list(list(T))",), "list(T)", member=True)
LIBRARY.add("flatten", flatten, ("list(dyn)", "int"), "list(dyn)", member=True)
for _t in COMPARABLE:
    LIBRARY.add("sort", sort, (f"list({_t})",), f"list({_t})", member=True)
for _t in COMPARABLE:
    LIBRARY.add("@sortByAssociatedKeys", sort_by_associated_keys, ("list(T)", f"list({_t})"), "list(T)", member=True)
LIBRARY.add("lists.range", lists_range, ("int",), "list(int)")
LIBRARY.add("reverse", reverse, ("list(T)",), "list(T)", member=True)
LIBRARY.add("distinct", distinct, ("list(T)",), "list(T)", member=True)
