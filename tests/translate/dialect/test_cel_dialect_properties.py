"""Properties of the Kyverno -> API-server CEL rewrite, over generated expressions and objects.

- identity: an expression without `orValue` and `cel.bind` (and without Kyverno's request.object/oldObject)
  comes back unchanged;
- agreement: whenever Kyverno's environment compiles an expression, the rewrite compiles in the API server's
  environment, the policy's variables get Kyverno's types, the result type is Kyverno's (or narrower where
  Kyverno's is dyn) and the outcome (value, or error) is the same on every object.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialect_env import apiserver, kyverno
from migrator.cel import CompileError
from migrator.translate.kyverno.cel_dialect import rewrite

FIELDS = ["a", "b", "l", "spec", "name"]

# -- expressions without the affected constructs -------------------------------------------------------------------

_ws = st.sampled_from(["", " ", "  ", "\n", " // note\n"])
_string = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6).map(
    lambda s: "'" + s.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r") + "'")
_atom = st.one_of(
    st.sampled_from(["object", "oldObject", "params", "request", "namespaceObject", "variables", "null", "true",
                     "1", "-2", "2u", "1.5", "b'x'", "optional.none()", "[]", "{}"]),
    _string,
    st.integers(min_value=0, max_value=10**6).map(str),
)


def _compound(children):
    field = st.sampled_from(FIELDS)
    sub = children.map(lambda c: f"({c})")  # operands in parentheses: every generated text parses
    return st.one_of(
        st.tuples(sub, _ws, field).map(lambda t: f"{t[0]}{t[1]}.{t[2]}"),
        st.tuples(sub, field).map(lambda t: f"{t[0]}.?{t[1]}"),
        st.tuples(sub, children).map(lambda t: f"{t[0]}[{t[1]}]"),
        st.tuples(sub, children).map(lambda t: f"{t[0]}[?{t[1]}]"),
        st.tuples(sub, st.sampled_from(["==", "!=", "<", "+", "-", "*", "&&", "||", "in"]), _ws, sub)
        .map(lambda t: f"{t[0]} {t[1]} {t[2]}{t[3]}"),
        st.tuples(sub, sub, sub).map(lambda t: f"{t[0]} ? {t[1]} : {t[2]}"),
        st.tuples(st.sampled_from(["size", "dyn", "string", "optional.of", "type", "has"]), children)
        .map(lambda t: f"{t[0]}({t[1]})" if t[0] != "has" else f"has(({t[1]}).a)"),
        st.tuples(sub, st.sampled_from(["or", "value", "hasValue", "contains", "startsWith"]), children)
        .map(lambda t: f"{t[0]}.{t[1]}({t[2] if t[1] not in ('value', 'hasValue') else ''})"),
        st.tuples(sub, st.sampled_from(["all", "exists", "map", "filter"]), children)
        .map(lambda t: f"{t[0]}.{t[1]}(e, {t[2]})"),
        st.lists(children, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.lists(st.tuples(children, children), max_size=2)
        .map(lambda kv: "{" + ", ".join(f"{k}: {v}" for k, v in kv) + "}"),
        sub,
        sub.map(lambda c: f"!{c}"),
    )


expressions_without_or_value = st.recursive(_atom, _compound, max_leaves=12)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(expressions_without_or_value)
def test_rewrite_is_identity_without_or_value(expr):
    assert "orValue" not in expr
    assert "request.object" not in expr and "request.oldObject" not in expr
    result = rewrite(expr)
    assert result.text == expr
    assert result.changes == ()


# -- expressions with orValue, evaluated on both sides ------------------------------------------------------------

_leaf = st.sampled_from([
    "object", "object.a", "object.?a", "object.a.b", "object.?a.?b", "object['a']", "object[?'a']", "object.l",
    "object.?l", "1", "'s'", "[]", "{}", "[1]", "{'a': 1}", "optional.none()", "optional.of(object.a)",
    "request.name", "request.?name", "variables.v", "variables.v.a", "variables.?v", "e", "e.a", "e.?a",
    "object.b", "null", "true",
])


def _with_or_value(children):
    return st.one_of(
        st.tuples(children, children).map(lambda t: f"{t[0]}.orValue({t[1]})"),
        st.tuples(children, children).map(lambda t: f"{t[0]}.orValue({t[1]})"),
        st.tuples(children, st.sampled_from(FIELDS)).map(lambda t: f"{t[0]}.{t[1]}"),
        st.tuples(children, st.sampled_from(FIELDS)).map(lambda t: f"{t[0]}.?{t[1]}"),
        st.tuples(children, st.sampled_from(["==", "!=", "+", "in"]), children).map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
        st.tuples(children, children, children).map(lambda t: f"({t[0]} ? {t[1]} : {t[2]})"),
        st.tuples(st.sampled_from(["size", "dyn", "optional.of", "type"]), children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(children, st.sampled_from(["value", "hasValue"])).map(lambda t: f"{t[0]}.{t[1]}()"),
        st.tuples(children, st.sampled_from(["all", "exists", "map", "filter"]), children)
        .map(lambda t: f"{t[0]}.{t[1]}(e, {t[2]})"),
        st.lists(children, min_size=1, max_size=2).map(lambda xs: "[" + ", ".join(xs) + "]"),
    )


expressions_with_or_value = st.recursive(_leaf, _with_or_value, max_leaves=6).filter(lambda e: "orValue" in e)

_json_scalar = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(["", "s", "x"]))
_json = st.recursive(
    _json_scalar,
    lambda c: st.one_of(st.lists(c, max_size=2), st.dictionaries(st.sampled_from(FIELDS), c, max_size=3)),
    max_leaves=8,
)
_objects = st.lists(st.dictionaries(st.sampled_from(FIELDS), _json, max_size=4), min_size=1, max_size=4)
_variable = st.one_of(st.none(), st.recursive(_leaf, _with_or_value, max_leaves=4)
                      .filter(lambda e: "variables" not in e and "e" not in e.replace("true", "").split(".")[0]))


@settings(max_examples=250, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(expressions_with_or_value, _variable, st.booleans(), _objects)
def test_rewrite_decides_as_kyverno(expr, variable, tell_variables, objects):
    variables = {"v": variable} if variable is not None else {}
    try:
        k = kyverno(expr, variables)
    except CompileError:
        return  # Kyverno rejects the policy: nothing to convert
    a = apiserver(expr, variables, tell_variables)
    assert a.variable_types == k.variable_types, (variables, expr)
    assert a.type_name == k.type_name or "dyn" in k.type_name, (expr, a.text, a.type_name, k.type_name)
    for obj in objects:
        assert a.outcome(obj) == k.outcome(obj), (expr, a.text, obj)
