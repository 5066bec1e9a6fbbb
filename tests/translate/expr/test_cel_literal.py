"""cel_literal: every string and JSON value round-trips through our engine."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrator.cel import Environment, to_json
from migrator.translate.cel_literal import literal, quote
from migrator.translate.kyverno.scope import Unsupported

ENV = Environment({})


def evaluate(expr: str):
    return ENV.compile(expr).evaluate({})


def typed(value):
    """JSON value with its exact kind, so 1 and 1.0 and True are told apart."""
    if isinstance(value, bool) or value is None:
        return (type(value).__name__, value)
    if isinstance(value, (int, float, str)):
        return (type(value).__name__, value)
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    return ("map", sorted((k, typed(v)) for k, v in value.items()))


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_quote_round_trips_any_text(s):
    assert to_json(evaluate(quote(s))) == (s, "string")


@pytest.mark.parametrize(
    "s",
    ['"', "\\", "\n\r\t", "${name}", "'", '\\"', "\x00\x07\x1f\x7f", "é", "😀", "\u2028", "{{ request.name }}", ""],
)
def test_quote_tricky_strings(s):
    expr = quote(s)
    assert "${" not in expr
    assert "\n" not in expr
    assert to_json(evaluate(expr))[0] == s


def test_quote_rejects_lone_surrogate():
    with pytest.raises(Unsupported):
        quote("\ud800")


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63) + 1, max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_literal_round_trips_json(value):
    result, _ = to_json(evaluate(literal(value)))
    if isinstance(value, float) and value == 0.0:
        assert result == 0.0 and math.copysign(1, result) == math.copysign(1, value)
    assert typed(result) == typed(value)


def test_heterogeneous_aggregates_are_wrapped_in_dyn():
    assert literal([1, "a"]) == '[dyn(1), dyn("a")]'
    assert literal({"a": 1, "b": True}) == '{"a": dyn(1), "b": dyn(true)}'
    assert literal([1, 2]) == "[1, 2]"
    assert literal([[1], ["a"]]) == '[dyn([1]), dyn(["a"])]'


def test_literal_scalars():
    assert literal(None) == "null"
    assert literal(1.0) == "1.0"
    assert literal(1e300) == "1.0e+300"
    assert to_json(evaluate(literal(-(2**63)))) == (-(2**63), "int")
    assert to_json(evaluate(literal(2**63 - 1))) == (2**63 - 1, "int")
    with pytest.raises(Unsupported):
        literal(2**64)
