"""cel-go `ext.Sets()` (cel-go ext/sets.go): sets.contains, sets.equivalent, sets.intersects on lists.

Membership uses CEL equality, so numbers compare across int, uint and double (`sets.contains([1], [1.0])`).
"""

from __future__ import annotations

from typing import Any

from celpy import celtypes

from migrator.cel.library import Library
from migrator.cel.library._celvalues import cel_equal


def _has(items: list, value: Any) -> bool:
    return any(cel_equal(x, value) for x in items)


def sets_contains(items: list, sub: list) -> celtypes.BoolType:
    return celtypes.BoolType(all(_has(items, v) for v in sub))


def sets_equivalent(a: list, b: list) -> celtypes.BoolType:
    return celtypes.BoolType(bool(sets_contains(a, b)) and bool(sets_contains(b, a)))


def sets_intersects(a: list, b: list) -> celtypes.BoolType:
    return celtypes.BoolType(any(_has(b, v) for v in a))


LIBRARY = Library(name="cel.lib.ext.sets")
LIBRARY.add("sets.contains", sets_contains, ("list(T)", "list(T)"), "bool")
LIBRARY.add("sets.equivalent", sets_equivalent, ("list(T)", "list(T)"), "bool")
LIBRARY.add("sets.intersects", sets_intersects, ("list(T)", "list(T)"), "bool")
