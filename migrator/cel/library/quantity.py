"""Kubernetes CEL `quantity` library (k8s.io/apiserver pkg/cel/library/quantity.go), type `kubernetes.Quantity`.

quantity(string), isQuantity(string), sign(q) (a global function in Kubernetes, not a member), and members
isGreaterThan, isLessThan, compareTo, asApproximateFloat, asInteger, isInteger, add/sub (quantity or int).
Values print as resource.Quantity.String() does; the representation follows apimachinery (see _resource.py).
"""

from __future__ import annotations

from celpy import celtypes

from migrator.cel.engine import EvaluationError
from migrator.cel.library import Library
from migrator.cel.library._resource import DECIMAL_EXPONENT, QuantityError, new_quantity, parse_quantity
from migrator.cel.library._resource import Quantity as _Q


class Quantity:
    """A kubernetes.Quantity value wrapping a resource.Quantity port."""

    __slots__ = ("q",)
    cel_type_name = "kubernetes.Quantity"

    def __init__(self, q: _Q) -> None:
        self.q = q

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        # Quantity.Equal has a value receiver: compare copies so neither side changes form.
        return self.q.deep_copy().cmp(other.q.deep_copy()) == 0

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> int:
        return hash(("kubernetes.Quantity", self.q.value_key()))

    def __str__(self) -> str:
        return str(self.q)

    def __repr__(self) -> str:
        return f"quantity({str(self)!r})"


def string_to_quantity(s: str) -> Quantity:
    try:
        return Quantity(parse_quantity(str(s)))
    except QuantityError as exc:
        raise EvaluationError(str(exc)) from None


def is_quantity(s: str) -> celtypes.BoolType:
    try:
        parse_quantity(str(s))
    except QuantityError:
        return celtypes.BoolType(False)
    return celtypes.BoolType(True)


def _as_integer(q: Quantity) -> celtypes.IntType:
    v, ok = q.q.as_int64()
    if not ok:
        raise EvaluationError("cannot convert value to integer")
    return celtypes.IntType(v)


def _add(q: Quantity, other: Quantity) -> Quantity:
    result = q.q.deep_copy()
    result.add(other.q.deep_copy())
    return Quantity(result)


def _add_int(q: Quantity, n: int) -> Quantity:
    result = q.q.deep_copy()
    result.add(new_quantity(int(n), DECIMAL_EXPONENT))
    return Quantity(result)


def _sub(q: Quantity, other: Quantity) -> Quantity:
    result = q.q.deep_copy()
    result.sub(other.q.deep_copy())
    return Quantity(result)


def _sub_int(q: Quantity, n: int) -> Quantity:
    result = q.q.deep_copy()
    result.sub(new_quantity(int(n), DECIMAL_EXPONENT))
    return Quantity(result)


def _compare(q: Quantity, other: Quantity) -> int:
    # Quantity.Cmp has a pointer receiver: like the API server, the receiver may switch to decimal form.
    return q.q.cmp(other.q.deep_copy())


LIBRARY = Library(name="kubernetes.quantity", types={"kubernetes.Quantity": Quantity})
LIBRARY.add("quantity", string_to_quantity, ("string",), "kubernetes.Quantity")
LIBRARY.add("isQuantity", is_quantity, ("string",), "bool")
LIBRARY.add("sign", lambda q: celtypes.IntType(q.q.sign()), ("kubernetes.Quantity",), "int")
LIBRARY.add(
    "isGreaterThan",
    lambda a, b: celtypes.BoolType(_compare(a, b) == 1),
    ("kubernetes.Quantity", "kubernetes.Quantity"),
    "bool",
    member=True,
)
LIBRARY.add(
    "isLessThan",
    lambda a, b: celtypes.BoolType(_compare(a, b) == -1),
    ("kubernetes.Quantity", "kubernetes.Quantity"),
    "bool",
    member=True,
)
LIBRARY.add(
    "compareTo",
    lambda a, b: celtypes.IntType(_compare(a, b)),
    ("kubernetes.Quantity", "kubernetes.Quantity"),
    "int",
    member=True,
)
LIBRARY.add(
    "asApproximateFloat",
    lambda q: celtypes.DoubleType(q.q.as_approximate_float64()),
    ("kubernetes.Quantity",),
    "double",
    member=True,
)
LIBRARY.add("asInteger", _as_integer, ("kubernetes.Quantity",), "int", member=True)
LIBRARY.add("isInteger", lambda q: celtypes.BoolType(q.q.as_int64()[1]), ("kubernetes.Quantity",), "bool", member=True)
LIBRARY.add("add", _add, ("kubernetes.Quantity", "kubernetes.Quantity"), "kubernetes.Quantity", member=True)
LIBRARY.add("add", _add_int, ("kubernetes.Quantity", "int"), "kubernetes.Quantity", member=True)
LIBRARY.add("sub", _sub, ("kubernetes.Quantity", "kubernetes.Quantity"), "kubernetes.Quantity", member=True)
LIBRARY.add("sub", _sub_int, ("kubernetes.Quantity", "int"), "kubernetes.Quantity", member=True)
