"""Conversion between JSON (what Kubernetes objects are) and CEL values."""

from __future__ import annotations

from typing import Any

import celpy
from celpy import celtypes


def to_cel(value: Any) -> Any:
    """JSON value -> CEL value (JSON integers are CEL int, numbers with a fraction are double)."""
    return celpy.json_to_cel(value)


def to_json(value: Any) -> tuple[Any, str]:
    """CEL value -> (JSON value, CEL type name), as `migrator eval` prints it."""
    if value is None or isinstance(value, celtypes.NullType) if hasattr(celtypes, "NullType") else value is None:
        return None, "null_type"
    if isinstance(value, celtypes.BoolType):
        return bool(value), "bool"
    if isinstance(value, celtypes.UintType):
        return int(value), "uint"
    if isinstance(value, celtypes.IntType):
        return int(value), "int"
    if isinstance(value, celtypes.DoubleType):
        return float(value), "double"
    if isinstance(value, celtypes.StringType):
        return str(value), "string"
    if isinstance(value, celtypes.ListType):
        return [to_json(v)[0] for v in value], "list"
    if isinstance(value, celtypes.MapType):
        return {str(to_json(k)[0]): to_json(v)[0] for k, v in value.items()}, "map"
    return str(value), type(value).__name__
