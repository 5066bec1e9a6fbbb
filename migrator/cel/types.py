"""CEL types: the checker's type terms, type-name parsing, and the runtime type of a value.

Type names follow cel-go's spelling: `int`, `list(string)`, `map(string, int)`, `optional_type(int)`
(libraries may also write `optional(int)`), `google.protobuf.Timestamp`, `net.IP`, `type(int)`, `dyn`.
A single upper-case letter (`A`, `K`, `V`, `T`) is a type parameter.
"""

from __future__ import annotations

import datetime
from typing import Any

from celpy import celtypes


class CelType:
    """An immutable CEL type term: a name and its type parameters (list element, map key/value, ...)."""

    __slots__ = ("name", "params", "_hash")

    def __init__(self, name: str, params: tuple["CelType", ...] = ()) -> None:
        self.name = name
        self.params = params
        self._hash = hash((name, params))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CelType) and self.name == other.name and self.params == other.params

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"CelType({self})"

    def __str__(self) -> str:
        if not self.params:
            return self.name
        return f"{self.name}({', '.join(str(p) for p in self.params)})"

    @property
    def is_param(self) -> bool:
        return self.name.startswith("_") or (len(self.name) == 1 and self.name.isupper())

    @property
    def is_dyn(self) -> bool:
        return self.name == "dyn"


DYN = CelType("dyn")
ERROR = CelType("*error*")
INT = CelType("int")
UINT = CelType("uint")
DOUBLE = CelType("double")
BOOL = CelType("bool")
STRING = CelType("string")
BYTES = CelType("bytes")
NULL = CelType("null_type")
TIMESTAMP = CelType("google.protobuf.Timestamp")
DURATION = CelType("google.protobuf.Duration")


def list_of(elem: CelType) -> CelType:
    return CelType("list", (elem,))


def map_of(key: CelType, value: CelType) -> CelType:
    return CelType("map", (key, value))


def optional_of(elem: CelType) -> CelType:
    return CelType("optional_type", (elem,))


def type_of_type(t: CelType) -> CelType:
    return CelType("type", (t,))


_ALIASES = {
    "optional": "optional_type",
    "timestamp": "google.protobuf.Timestamp",
    "duration": "google.protobuf.Duration",
    "null": "null_type",
    "any": "dyn",
}


def parse_type(text: str) -> CelType:
    """Parse a type name such as `list(map(string, int))` (also `list<int>`) into a CelType."""
    text = text.strip().replace("<", "(").replace(">", ")")
    pos = 0

    def parse() -> CelType:
        nonlocal pos
        start = pos
        while pos < len(text) and text[pos] not in "(),":
            pos += 1
        name = text[start:pos].strip()
        name = _ALIASES.get(name, name)
        params: list[CelType] = []
        if pos < len(text) and text[pos] == "(":
            pos += 1
            while True:
                params.append(parse())
                if pos < len(text) and text[pos] == ",":
                    pos += 1
                    continue
                if pos < len(text) and text[pos] == ")":
                    pos += 1
                break
        if not name:
            raise ValueError(f"invalid type name {text!r}")
        if name == "list" and not params:
            params = [DYN]
        if name == "map" and not params:
            params = [DYN, DYN]
        if name == "optional_type" and not params:
            params = [DYN]
        return CelType(name, tuple(params))

    result = parse()
    if pos != len(text):
        raise ValueError(f"invalid type name {text!r}")
    return result


class TypeValue:
    """A CEL type as a runtime value (`type(1) == int`); equal when the names are equal."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TypeValue) and other.name == self.name

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(("type", self.name))

    def __repr__(self) -> str:
        return f"TypeValue({self.name})"

    def __str__(self) -> str:
        return self.name


class OptionalValue:
    """cel-go's optional_type value: optional.of(x) or optional.none()."""

    __slots__ = ("value", "present")

    def __init__(self, value: Any = None, present: bool = True) -> None:
        self.value = value
        self.present = present

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, OptionalValue):
            return False
        if not self.present or not other.present:
            return self.present == other.present
        from migrator.cel.runtime import cel_equal

        return bool(cel_equal(self.value, other.value))

    def __hash__(self) -> int:
        return hash(("optional", self.present))

    def __repr__(self) -> str:
        return f"optional.of({self.value!r})" if self.present else "optional.none()"


NONE = OptionalValue(None, False)

# Python class of a runtime value -> CEL type name. Library classes are added by the registry.
_RUNTIME_NAMES: dict[type, str] = {
    celtypes.BoolType: "bool",
    bool: "bool",
    celtypes.IntType: "int",
    int: "int",
    celtypes.UintType: "uint",
    celtypes.DoubleType: "double",
    float: "double",
    celtypes.StringType: "string",
    str: "string",
    celtypes.BytesType: "bytes",
    bytes: "bytes",
    celtypes.ListType: "list",
    list: "list",
    tuple: "list",
    celtypes.MapType: "map",
    dict: "map",
    type(None): "null_type",
    celtypes.TimestampType: "google.protobuf.Timestamp",
    datetime.datetime: "google.protobuf.Timestamp",
    celtypes.DurationType: "google.protobuf.Duration",
    datetime.timedelta: "google.protobuf.Duration",
    TypeValue: "type",
    OptionalValue: "optional_type",
}


def register_runtime_type(cls: type, name: str) -> None:
    _RUNTIME_NAMES[cls] = name


def runtime_type_name(value: Any) -> str:
    """The CEL type name of a runtime value (`int`, `list`, `net.IP`, ...)."""
    name = _RUNTIME_NAMES.get(type(value))
    if name is not None:
        return name
    for cls, cname in _RUNTIME_NAMES.items():
        if isinstance(value, cls):
            _RUNTIME_NAMES[type(value)] = cname
            return cname
    return getattr(type(value), "cel_type_name", type(value).__name__)
