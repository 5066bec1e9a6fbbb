"""The CEL abstract syntax tree, shaped like cel-go's (common/ast): constants, identifiers, selects,
calls (operators are calls named `_+_`, `_[_]`, ...), list/map/struct literals and comprehensions
(every macro expands to one of these, as cel-go's parser does).

Each node carries `pos`, the offset of the token that produced it in the source text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional


@dataclass(eq=False)
class Expr:
    pos: int


@dataclass(eq=False)
class Const(Expr):
    value: Any
    kind: str  # "int", "uint", "double", "string", "bytes", "bool", "null_type"


@dataclass(eq=False)
class Ident(Expr):
    name: str


@dataclass(eq=False)
class Select(Expr):
    operand: Expr
    field: str
    test_only: bool = False  # has(operand.field)


@dataclass(eq=False)
class Call(Expr):
    function: str
    args: list[Expr]
    target: Optional[Expr] = None  # receiver of a member call


@dataclass(eq=False)
class CreateList(Expr):
    elements: list[Expr]
    optional_indices: frozenset[int] = frozenset()


@dataclass(eq=False)
class MapEntry:
    key: Expr
    value: Expr
    optional: bool = False


@dataclass(eq=False)
class CreateMap(Expr):
    entries: list[MapEntry]


@dataclass(eq=False)
class CreateStruct(Expr):
    type_name: str
    fields: list[tuple[str, Expr, bool]]


@dataclass(eq=False)
class Comprehension(Expr):
    """A macro, kept as its kind (cel-go expands the same macros into generic comprehensions).

    kind: all, exists, exists_one, map, filter (iter_var2 set for the two-variable forms), transformList,
    transformMap, transformMapEntry, sortBy, optMap, optFlatMap.
    """

    kind: str
    iter_range: Expr
    iter_var: str
    iter_var2: Optional[str]
    predicate: Optional[Expr]  # filter condition / quantifier predicate
    transform: Optional[Expr] = None  # map/transform result expression
    extra: dict = field(default_factory=dict)


OPERATORS = {
    "_?_:_", "_&&_", "_||_", "!_", "-_", "_==_", "_!=_", "_<_", "_<=_", "_>_", "_>=_", "@in",
    "_+_", "_-_", "_*_", "_/_", "_%_", "_[_]", "_[?_]", "_?._",
}
