"""Reading fields of objects that may hold anything: a dump is not validated by an API server, so a list may be a
string and a mapping may be null. The checks read through these and never crash on a wrong type."""

from __future__ import annotations

from typing import Any


def mapping(value: Any) -> dict:
    """`value` when it is a mapping, else an empty one."""
    return value if isinstance(value, dict) else {}


def sequence(value: Any) -> list:
    """`value` when it is a list, else an empty one."""
    return value if isinstance(value, list) else []


def mappings(value: Any) -> list[dict]:
    """The mappings in a list (other items skipped)."""
    return [item for item in sequence(value) if isinstance(item, dict)]


def strings(value: Any) -> list[str]:
    """The scalar items of a list as strings (nested lists and mappings skipped)."""
    return [str(item) for item in sequence(value) if isinstance(item, (str, int, float, bool))]


def integer(value: Any) -> int | None:
    """An int that is not a bool, else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None
