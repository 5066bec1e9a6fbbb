"""Kyverno CEL -> API-server CEL (migrator/translate/kyverno/cel_dialect.py).

Each rewrite is checked three ways with our engine: the Kyverno side (the compat macro's expansion evaluated with
Kyverno's `__orValueCompat__`, see dialect_env.py for the source it is transcribed from) and the rewritten
expression in the API server's environment agree on compile success, result type and every evaluation outcome
(value or error); and the unrewritten expression shows the difference that made the rewrite necessary.
"""

from __future__ import annotations

import pytest

from dialect_env import apiserver, environment, kyverno
from migrator.cel import CompileError, EvaluationError, to_cel
from migrator.translate.kyverno.cel_dialect import (
    DATA, OPTIONAL, UNKNOWN, classify, expand_compat_macro, rewrite, to_apiserver_cel,
)
from migrator.translate.kyverno.scope import Unsupported

POD_FULL = {"spec": {"containers": [{"name": "a", "resources": {"requests": {"cpu": "1", "memory": "1Gi"},
                                                                 "limits": {"cpu": "1", "memory": "1Gi"}}}]}}
POD_UNEQUAL = {"spec": {"containers": [{"name": "a", "resources": {"requests": {"cpu": "1", "memory": "1Gi"},
                                                                    "limits": {"cpu": "2", "memory": "1Gi"}}}]}}
POD_NO_REQUESTS = {"spec": {"containers": [{"name": "a", "resources": {"limits": {"cpu": "1"}}}]}}
POD_NO_RESOURCES = {"spec": {"containers": [{"name": "a"}]}}
POD_EMPTY = {"spec": {"containers": []}}
PODS = [POD_FULL, POD_UNEQUAL, POD_NO_REQUESTS, POD_NO_RESOURCES, POD_EMPTY, {}, {"spec": None}]


def agree(expr: str, objects: list, variables: dict | None = None) -> None:
    """Where Kyverno compiles the expression, the rewrite compiles in the API server's environment, the
    policy's variables get the types Kyverno gives them, the result type is Kyverno's or narrower (where Kyverno
    has dyn), and the outcome on every object is the same."""
    k, a = kyverno(expr, variables), apiserver(expr, variables)
    assert a.variable_types == k.variable_types
    assert a.type_name == k.type_name or "dyn" in k.type_name, (a.text, a.type_name, k.type_name)
    for obj in objects:
        assert a.outcome(obj) == k.outcome(obj), (a.text, obj)


# --- orValue on a value that is never optional -------------------------------------------------------------------

QOS = ("object.spec.containers.all(container, has(container.resources) && "
       "container.resources.?requests.orValue({}).?cpu.hasValue() && "
       "container.resources.requests.orValue({}).cpu == container.resources.limits.orValue({}).cpu && "
       "container.resources.requests.orValue({}).memory == container.resources.limits.orValue({}).memory)")


def test_or_value_on_a_field_is_the_field():
    # kyverno pkg/cel/compiler/env.go: "Concrete non-optional value: return it (v0.27 compatible behaviour)"
    out = to_apiserver_cel(QOS)
    assert out == ("object.spec.containers.all(container, has(container.resources) && "
                   "container.resources.?requests.orValue({}).?cpu.hasValue() && "
                   "container.resources.requests.cpu == container.resources.limits.cpu && "
                   "container.resources.requests.memory == container.resources.limits.memory)")
    agree(QOS, PODS)
    assert kyverno(QOS).outcome(POD_FULL) == ("value", True)
    assert kyverno(QOS).outcome(POD_UNEQUAL) == ("value", False)
    assert kyverno(QOS).outcome(POD_NO_REQUESTS) == ("value", False)


def test_unrewritten_or_value_on_a_field_fails_in_the_api_server():
    # cel-go v0.28+ library.go evalOptionalOrValue: a non-optional receiver is "no such overload"
    program = environment(False).compile(QOS)
    with pytest.raises(EvaluationError, match="no such overload"):
        program.evaluate({"object": to_cel(POD_FULL)})


def test_kyverno_own_test_list_literal():
    # kyverno pkg/cel/compiler/env_test.go TestDynamicResourceEnvOptionsWithCompat_OrValueOnConcrete:
    # `[1,2].orValue([])` evaluates to the two-element list
    assert kyverno("[1,2].orValue([])").outcome({}) == ("value", [1, 2])
    assert to_apiserver_cel("[1,2].orValue([])") == "[1,2]"
    assert to_apiserver_cel("[1,2].orValue([])", keep_kyverno_types=True) == "dyn([1,2])"
    agree("[1,2].orValue([])", [{}])


def test_typed_receiver_keeps_kyverno_dyn_result_type():
    # __orValueCompat__ is declared (dyn, dyn) -> dyn: `== 1` on a string compiles in Kyverno (and is false)
    expr = "request.name.orValue('') == 1"
    assert to_apiserver_cel(expr) == "dyn(request.name) == 1"
    with pytest.raises(CompileError, match="no matching overload"):
        environment(False).compile("request.name == 1")
    agree(expr, [{}])
    assert apiserver(expr).outcome({}) == ("value", False)


def test_result_type_of_whole_expression_as_in_kyverno():
    # a validation must be exactly bool in both (compiler.CompileValidation IsExactType / compile.go): the dyn
    # result of the compat call is rejected by Kyverno, and by the API server after the rewrite
    expr = "request.dryRun.orValue(false)"
    assert kyverno(expr).type_name == "dyn"
    assert to_apiserver_cel(expr, keep_kyverno_types=True) == "dyn(request.dryRun)"
    assert environment(False).compile(to_apiserver_cel(expr, keep_kyverno_types=True)).type_name == "dyn"


def test_missing_field_is_an_error_in_both():
    agree("object.spec.missing.orValue(1) == 1", [{"spec": {}}, {"spec": {"missing": 1}}])
    assert apiserver("object.spec.missing.orValue(1) == 1").outcome({"spec": {}}) == ("error", None)


def test_nested_and_chained():
    for expr in ["object.a.orValue(1).orValue(2)", "has(object.a.orValue({}).b)", "-object.n.orValue(0)",
                 "(object.a).orValue(1)", "object.a.orValue(object.?b.orValue(3))"]:
        agree(expr, [{"a": {"b": 1}, "n": 2}, {"a": 1}, {"b": 4}, {}])
    assert to_apiserver_cel("object.a.orValue(1).orValue(2)") == "object.a"
    assert to_apiserver_cel("has(object.a.orValue({}).b)") == "has(object.a.b)"


def test_text_outside_the_construct_is_kept():
    expr = "  object.spec.a /* */".replace("/* */", "// note\n") + ".orValue(1) + 1 // end"
    out = to_apiserver_cel(expr)
    assert out == "  object.spec.a + 1 // end"
    agree(expr, [{"spec": {"a": 2}}])


def test_comment_inside_a_wrapped_receiver_does_not_swallow_the_template():
    expr = "request.name // the name\n.orValue('') == 'p'"
    out = to_apiserver_cel(expr)
    assert out == "request.name == 'p'"
    # the expression is bool either way: no cast even where Kyverno's types must be kept
    assert to_apiserver_cel(expr, keep_kyverno_types=True) == "request.name == 'p'"
    assert to_apiserver_cel("request.name.orValue('')", keep_kyverno_types=True) == "dyn(request.name)"
    agree(expr, [{}])


# --- orValue on an optional ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("expr", [
    "object.spec.?volumes.orValue([]).exists(v, v.?hostPath.?path.orValue('') == '/var/run/docker.sock')",
    "object.metadata.?labels[?'app'].orValue('') != ''",
    "object.spec.?securityContext.?runAsUser.orValue(1) == 1000",
    "object.spec.containers + object.spec.?initContainers.orValue([])",
])
def test_optional_receiver_is_unchanged(expr):
    assert to_apiserver_cel(expr) == expr
    assert rewrite(expr).changes == ()
    agree(expr, [
        {"spec": {"containers": [{"name": "a"}], "volumes": [{"hostPath": {"path": "/var/run/docker.sock"}}],
                  "securityContext": {"runAsUser": 1000}}, "metadata": {"labels": {"app": "x"}}},
        {"spec": {"containers": [], "initContainers": [{"name": "i"}], "volumes": [{"emptyDir": {}}]},
         "metadata": {}},
        {"spec": {"containers": []}, "metadata": {"labels": {}}},
    ])


def test_optional_receiver_with_a_concrete_static_type_gets_dyn():
    # request.?name is optional(string): orValue(1) would not type-check; Kyverno's call is (dyn, dyn) -> dyn
    expr = "request.?name.orValue(1) == 'p'"
    assert to_apiserver_cel(expr) == "dyn(dyn(request.?name).orValue(1)) == 'p'"
    with pytest.raises(CompileError, match="no matching overload for 'orValue'"):
        environment(False).compile("request.?name.orValue(1) == 'p'")
    agree(expr, [{}])
    assert apiserver(expr).outcome({}) == ("value", True)


def test_default_that_fails_is_evaluated_as_kyverno_does():
    # strict binary call (cel-go evalBinary): Kyverno evaluates the default even when the optional has a value;
    # the API server's orValue would not (short-circuit), so the rewrite forces it first
    expr = "object.?a.orValue(object.b) == 1"
    assert apiserver(expr).text == "[dyn(object.?a), dyn(object.b)][0].orValue(object.b) == 1"
    assert kyverno(expr).outcome({"a": 1}) == ("error", None)
    agree(expr, [{"a": 1}, {"b": 1}, {"a": 1, "b": 2}, {}])


def test_plain_receiver_with_a_failing_default():
    expr = "object.a.orValue(object.b)"
    assert to_apiserver_cel(expr) == "[dyn(object.a), dyn(object.b)][0]"
    agree(expr, [{"a": 1}, {"b": 1}, {"a": 1, "b": 2}, {}])


# --- variables -----------------------------------------------------------------------------------------------------

VARIABLES = {
    "allContainers": "object.spec.containers + object.spec.?initContainers.orValue([]) + "
                     "object.spec.?ephemeralContainers.orValue([])",
    "hostPathVolumes": "object.spec.?volumes.orValue([]).filter(volume, has(volume.hostPath))",
    "securityContext": "object.spec.?securityContext",
    "maybe": "object.spec.flag ? object.spec.?inner : object.spec",
}


def test_variables_are_classified_from_their_expressions():
    assert classify(VARIABLES["allContainers"], variables=VARIABLES).kind == DATA
    assert classify("variables.securityContext", variables=VARIABLES).kind == OPTIONAL
    assert classify("variables.maybe", variables=VARIABLES).kind == UNKNOWN
    assert classify("variables.other", variables=VARIABLES).kind == UNKNOWN
    assert classify("variables.other", known_optional_variables={"other"}).kind == OPTIONAL


def test_iteration_over_a_data_variable():
    expr = ("variables.hostPathVolumes.all(hostPath, variables.allContainers.all(container, "
            "container.volumeMounts.orValue([]).all(volume, hostPath.name != volume.name || "
            "volume.?readOnly.orValue(false) == true)))")
    out = to_apiserver_cel(expr, variables=VARIABLES)
    assert "container.volumeMounts.all(" in out
    assert "volume.?readOnly.orValue(false)" in out
    pods = [
        {"spec": {"containers": [{"volumeMounts": [{"name": "h", "readOnly": True}]}],
                  "volumes": [{"name": "h", "hostPath": {"path": "/"}}]}},
        {"spec": {"containers": [{"volumeMounts": [{"name": "h"}]}], "initContainers": [{"name": "i"}],
                  "volumes": [{"name": "h", "hostPath": {"path": "/"}}]}},
        {"spec": {"containers": [{"name": "c"}], "volumes": [{"name": "h", "hostPath": {"path": "/"}}]}},
        {"spec": {"containers": [{"name": "c"}]}},
    ]
    agree(expr, pods, VARIABLES)


def test_variable_holding_an_optional_keeps_or_value():
    expr = "variables.securityContext.?runAsNonRoot.orValue(false) == true"
    assert to_apiserver_cel(expr, variables=VARIABLES) == expr
    agree(expr, [{"spec": {"securityContext": {"runAsNonRoot": True}}}, {"spec": {}}], VARIABLES)
    expr = "variables.securityContext.orValue({}).size() == 0"
    assert to_apiserver_cel(expr, variables=VARIABLES) == expr
    agree(expr, [{"spec": {"securityContext": {"a": 1}}}, {"spec": {}}], VARIABLES)


def test_variable_of_unknown_kind_is_decided_at_run_time():
    expr = "variables.maybe.orValue({'x': 0}).x == 1"
    out = to_apiserver_cel(expr, variables=VARIABLES)
    assert "optional_type" in out
    objects = [{"spec": {"flag": True, "inner": {"x": 1}}}, {"spec": {"flag": True}}, {"spec": {"flag": False, "x": 1}},
               {"spec": {"flag": False}}]
    agree(expr, objects, VARIABLES)
    assert [apiserver(expr, VARIABLES).outcome(o) for o in objects] == [
        ("value", True), ("value", False), ("value", True), ("error", None)]


def test_known_optional_variables():
    expr = "variables.v.orValue(1)"
    assert to_apiserver_cel(expr, known_optional_variables={"v"}) == "dyn(dyn(variables.v).orValue(1))"
    agree(expr, [{"a": 2}, {}], {"v": "object.?a"})


# --- what cannot be rewritten ------------------------------------------------------------------------------------

def test_kyverno_request_object_is_unsupported():
    # pkg/cel/compiler/request.go adds object/oldObject to Kyverno's request type; the API server's has neither
    with pytest.raises(Unsupported, match="request.object"):
        to_apiserver_cel("request.object.metadata.name == 'x'")
    with pytest.raises(Unsupported, match="request.oldObject"):
        to_apiserver_cel("object.x.orValue(request.oldObject) == 1")
    for expr in ["has(request.object)", "request.?object.orValue({}) == {}", "request.object == null"]:
        with pytest.raises(Unsupported):
            to_apiserver_cel(expr)
    # a comprehension variable named `request` is not the request
    assert to_apiserver_cel("[{'object': 1}].all(request, request.object == 1)") == \
        "[{'object': 1}].all(request, request.object == 1)"


def test_syntax_error_is_unsupported():
    with pytest.raises(Unsupported, match="does not parse"):
        to_apiserver_cel("object.a.orValue(")


def test_wrong_arity_is_left_to_the_compiler():
    # the compat macro matches one argument only; other arities fail in both environments
    assert to_apiserver_cel("object.?a.orValue()") == "object.?a.orValue()"
    with pytest.raises(CompileError):
        apiserver("object.?a.orValue()")


def test_expand_compat_macro_spells_kyverno_parse():
    assert expand_compat_macro("a.orValue(1).orValue(b.?c.orValue(2))") == \
        "__orValueCompat__(__orValueCompat__(a, 1), __orValueCompat__(b.?c, 2))"
    assert expand_compat_macro("a.b") == "a.b"


def test_changes_report_what_was_rewritten():
    r = rewrite("object.a.orValue(1) + object.?b.orValue(2)")
    assert r.text == "object.a + object.?b.orValue(2)"
    assert [(c.offset, c.original, c.replacement) for c in r.changes] == [(0, "object.a.orValue(1)", "object.a")]
    assert "never optional" in r.changes[0].reason


# --- cel.bind (ext.Bindings: in Kyverno's environments, not in the API server's) ----------------------------------

@pytest.mark.parametrize("expr, expected", [
    # cel-go ext/bindings.go documentation examples
    ("cel.bind(a, 'hello', cel.bind(b, 'world', a + b + b + a))", "helloworldworldhello"),
    ("cel.bind(valid_values, [1, 2, 3], [3, 4, 5].exists(e, e in valid_values))", True),
    # the bound name shadows an outer one, and init is evaluated outside the binding
    ("[5].all(x, cel.bind(x, x + 1, x == 6))", True),
    ("cel.bind(c, object.spec.containers, c.all(x, x.?a.orValue(0) == 1) && size(c) == 1)", True),
])
def test_cel_bind_becomes_a_one_element_map(expr, expected):
    with pytest.raises(CompileError):
        environment(False).compile(expr)
    out = to_apiserver_cel(expr)
    assert "cel.bind" not in out
    program = environment(False).compile(out)
    assert program.evaluate({"object": to_cel({"spec": {"containers": [{"a": 1}]}})}) == to_cel(expected)


def test_cel_bind_init_error_and_types():
    out = to_apiserver_cel("cel.bind(v, object.missing, 1) == 1")
    assert out == "[object.missing].map(v, 1)[0] == 1"
    with pytest.raises(EvaluationError):
        environment(False).compile(out).evaluate({"object": to_cel({})})
    assert environment(False).compile(to_apiserver_cel("cel.bind(v, 'a', size(v))")).type_name == "int"
    # Kyverno's orValue compat inside the binding is rewritten too
    assert to_apiserver_cel("cel.bind(s, object.spec, s.x.orValue(0))") == "[object.spec].map(s, s.x)[0]"
    with pytest.raises(Unsupported, match="simple identifiers"):
        to_apiserver_cel("cel.bind(a.b, 1, 2)")


def test_variable_that_needs_casts_keeps_kyverno_type_for_its_users():
    # Kyverno types the variable dyn; `variables.v == 1` compiles there (false), so the variable keeps its cast
    variables = {"v": "request.name.orValue('')"}
    assert to_apiserver_cel(variables["v"], variables=variables, keep_kyverno_types=True) == "dyn(request.name)"
    for expr in ["variables.v == 1", "request.name.orValue('') == 1 && variables.v == 'p'",
                 "request.name.orValue('') == 'p'"]:
        agree(expr, [{}], variables)
    assert to_apiserver_cel("request.name.orValue('') == 'p'", variables=variables) == "request.name == 'p'"
