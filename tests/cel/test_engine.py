"""Environment, Program, LazyVariables, the cost budget and library wiring (migrator/cel/engine.py, registry.py)."""

from __future__ import annotations

import datetime

import pytest
from celpy import celtypes

from migrator.cel import CompileError, Environment, EvaluationError, LazyVariables, to_cel, to_json
from migrator.cel.library import Library
from migrator.cel.registry import Registry, load_registry


def test_compile_once_evaluate_many():
    program = Environment({"object": "dyn"}).compile("object.spec.replicas > 1")
    assert to_json(program.evaluate({"object": to_cel({"spec": {"replicas": 3}})})) == (True, "bool")
    assert to_json(program.evaluate({"object": to_cel({"spec": {"replicas": 1}})})) == (False, "bool")


def test_cost_limit_stops_runaway_expressions():
    # Kubernetes PerCallLimit (pkg/apis/cel/config.go): exceeding it is an evaluation error, not a hang.
    program = Environment({"xs": "dyn"}).compile("xs.all(a, xs.all(b, xs.all(c, c >= 0)))")
    with pytest.raises(EvaluationError, match="operation cancelled: actual cost limit exceeded"):
        program.evaluate({"xs": to_cel(list(range(1000)))})


def test_cost_limit_is_configurable_and_per_evaluation():
    program = Environment({"xs": "dyn"}, cost_limit=50).compile("xs.all(x, x >= 0)")
    assert program.evaluate({"xs": to_cel(list(range(10)))})
    assert program.evaluate({"xs": to_cel(list(range(10)))})  # a fresh budget every evaluation
    with pytest.raises(EvaluationError):
        program.evaluate({"xs": to_cel(list(range(100)))})


def test_lazy_variables_in_order_cached_and_errors_where_used():
    env = Environment({"object": "dyn", "variables": {"name": "dyn", "isWeb": "dyn", "broken": "dyn"}})
    calls = []

    class Counting:
        def __init__(self, program):
            self.program = program

        def evaluate_with_cost(self, activation, limit=None):
            calls.append(1)
            return self.program.evaluate_with_cost(activation, limit)

    programs = {
        "name": Counting(env.compile("object.metadata.name")),
        "isWeb": env.compile("variables.name.startsWith('web')"),  # refers to an earlier variable
        "broken": env.compile("object.missing"),
    }
    activation = {"object": to_cel({"metadata": {"name": "web-1"}})}
    LazyVariables(programs, activation)
    assert to_json(env.compile("variables.isWeb && variables.name == 'web-1'").evaluate(activation))[0] is True
    assert len(calls) == 1  # evaluated once, then cached
    assert to_json(env.compile("variables.isWeb || variables.broken").evaluate(activation))[0] is True
    with pytest.raises(EvaluationError, match="no such key: missing"):
        env.compile("variables.broken").evaluate(activation)


def test_unknown_variable_field_is_a_compile_error():
    with pytest.raises(CompileError, match="undefined field"):
        Environment({"variables": {"a": "bool"}}).compile("variables.b")


class Celsius:
    """A library type for the wiring test."""

    def __init__(self, degrees: float) -> None:
        self.degrees = degrees

    def __str__(self) -> str:
        return f"{self.degrees:g}C"


def _celsius_library() -> Library:
    lib = Library("test.celsius", types={"test.Celsius": Celsius})

    def celsius(s):
        if not str(s).endswith("C"):
            raise EvaluationError(f"invalid temperature: {s}")
        return Celsius(float(str(s)[:-1]))

    def validate(s):
        if not str(s).endswith("C"):
            raise ValueError(f"invalid temperature: {s}")

    lib.add("celsius", celsius, ("string",), "test.Celsius")
    lib.add("warmerThan", lambda a, b: celtypes.BoolType(a.degrees > b.degrees), ("test.Celsius", "test.Celsius"),
            "bool", member=True)
    lib.add("warmerThan", lambda a, d: celtypes.BoolType(a.degrees > float(d)), ("test.Celsius", "double"), "bool",
            member=True)
    lib.constant_validators["celsius"] = validate
    return lib


def test_library_dispatch_declarations_and_validators():
    registry = Registry()
    registry.add(_celsius_library())
    env = Environment({"t": "dyn"}, registry=registry)
    assert to_json(env.compile("celsius('20C').warmerThan(celsius('10C'))").evaluate({}))[0] is True
    assert to_json(env.compile("celsius('20C').warmerThan(30.0)").evaluate({}))[0] is False  # second overload
    assert to_json(env.compile("celsius('21.5C')").evaluate({})) == ("21.5C", "test.Celsius")
    assert to_json(env.compile("string(celsius('3C'))").evaluate({})) == ("3C", "string")
    assert to_json(env.compile("type(celsius('3C')) == test.Celsius").evaluate({}))[0] is True
    with pytest.raises(CompileError, match="found no matching overload for 'warmerThan'"):
        env.compile("celsius('20C').warmerThan('x')")
    with pytest.raises(CompileError, match="invalid temperature"):
        env.compile("celsius('20F')")  # constant argument: checked at compile time
    with pytest.raises(EvaluationError, match="invalid temperature"):
        env.compile("celsius(t)").evaluate({"t": to_cel("20F")})  # non-constant: at run time


def test_installed_libraries_load():
    registry = load_registry()
    assert registry.libraries, "no library module under migrator/cel/library exported LIBRARY"


def test_to_json_encoding():
    # shared/conformance/k8s-cel/README.md value encoding
    assert to_json(celtypes.UintType(3)) == (3, "uint")
    assert to_json(celtypes.DoubleType(float("nan"))) == ("NaN", "double")
    assert to_json(celtypes.BytesType(b"\x00\xff")) == ("AP8=", "bytes")
    assert to_json(celtypes.MapType({celtypes.IntType(1): celtypes.BytesType(b"a")})) == ({"1": "YQ=="}, "map")
    ts = celtypes.TimestampType(datetime.datetime(2009, 2, 13, 23, 31, 30, 500000, tzinfo=datetime.timezone.utc))
    assert to_json(ts) == ("2009-02-13T23:31:30.5Z", "google.protobuf.Timestamp")
    assert to_json(celtypes.DurationType(datetime.timedelta(seconds=-1.5))) == ("-1.5s", "google.protobuf.Duration")
    assert to_json(None) == (None, "null_type")


def test_authorizer_bound_to_request_user_and_request_resource(tmp_path):
    # k8s.io/apiserver pkg/admission/plugin/cel: `authorizer` asks as the request's user and
    # `authorizer.requestResource` is the request's own resource; the engine binds an unbound authorizer.
    from migrator.cel import load_authorizer

    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n- users: [alice]\n  verbs: [delete]\n  apiGroups: [apps]\n  resources: [deployments]\n")
    env = Environment({"request": "dyn", "authorizer": "kubernetes.authorization.Authorizer",
                       "authorizer.requestResource": "kubernetes.authorization.ResourceCheck"})
    program = env.compile("authorizer.requestResource.check('delete').allowed()")
    deny_any = env.compile("authorizer.group('apps').resource('deployments').check('delete').allowed()")
    authorizer = load_authorizer(str(rules))

    def request(user):
        return to_cel({"userInfo": {"username": user}, "resource": {"group": "apps", "resource": "deployments"},
                       "namespace": "ns", "name": "web"})

    assert to_json(program.evaluate({"authorizer": authorizer, "request": request("alice")}))[0] is True
    assert to_json(program.evaluate({"authorizer": authorizer, "request": request("bob")}))[0] is False
    assert to_json(deny_any.evaluate({"authorizer": authorizer, "request": request("bob")}))[0] is False
    assert to_json(env.compile("authorizer.path('/x').check('get').allowed()").evaluate(
        {"authorizer": load_authorizer(None), "request": request("bob")}))[0] is True  # allow-all by default


def test_evaluate_with_cost_reports_and_limits():
    program = Environment({"xs": "dyn"}).compile("xs.all(x, x >= 0)")
    value, cost = program.evaluate_with_cost({"xs": to_cel(list(range(10)))})
    assert to_json(value)[0] is True and cost > 0
    _, bigger = program.evaluate_with_cost({"xs": to_cel(list(range(100)))})
    assert bigger > cost
    with pytest.raises(EvaluationError, match="cost limit"):
        program.evaluate_with_cost({"xs": to_cel(list(range(100)))}, limit=cost)


def test_lazy_variables_account_their_cost_once():
    """composition.go: a variable's cost is reported when it is first evaluated (GetAndResetCost), not on reuse."""
    env = Environment({"object": "dyn", "variables": {"all": "dyn"}})
    var = env.compile("object.items.all(i, i > 0)")
    activation = {"object": to_cel({"items": [1, 2, 3]})}
    own = var.evaluate_with_cost(activation)[1]
    lazy = LazyVariables({"all": var}, activation)
    reader = env.compile("variables.all && variables.all")
    reader.evaluate(activation)
    assert lazy.take_cost() == own and lazy.take_cost() == 0
    reader.evaluate(activation)
    assert lazy.take_cost() == 0


def test_failed_evaluation_carries_its_cost():
    env = Environment({"object": "dyn"}, cost_limit=10)
    with pytest.raises(EvaluationError, match="actual cost limit exceeded") as info:
        env.compile("object.items.all(i, i > 0)").evaluate({"object": to_cel({"items": list(range(1, 100))})})
    assert info.value.cost > 10
    with pytest.raises(EvaluationError) as info:
        Environment({"object": "dyn"}).compile("object.missing").evaluate({"object": to_cel({})})
    assert info.value.cost >= 1
