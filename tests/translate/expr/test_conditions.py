"""conditions -> CEL, checked against Kyverno's own condition table and documented behaviour."""

from __future__ import annotations

import re

import pytest

from exprcel import evaluate
from migrator.cel import EvaluationError
from kyverno_evaluate_cases import CASES
from migrator.translate.kyverno.conditions import conditions_to_cel
from migrator.translate.kyverno.scope import Scope, Unsupported


def holds(conditions, obj=None, **activation) -> bool:
    activation.setdefault("request", {"operation": "CREATE", "namespace": "default", "name": "x",
                                      "userInfo": {"username": "alice", "groups": ["dev", "system:authenticated"]}})
    activation.setdefault("oldObject", None)
    return evaluate(conditions_to_cel(conditions, Scope()), obj, **activation)


def ids(case):
    return f"{case[0]!r}-{case[1]}-{case[2]!r}"


RANGE = re.compile(r"^[-|+]?\d+(\.\d+)?[A-Za-z]*!?-[-|+]?\d+(\.\d+)?[A-Za-z]*$")
SEMVER = re.compile(r"^\d+\.\d+\.\d+")


def semver_comparison(key, operator, value) -> bool:
    return False  # semantic versions are compared with the Kubernetes semver library


@pytest.mark.parametrize("key,operator,value,want", CASES, ids=[ids(c) for c in CASES])
def test_kyverno_table_static(key, operator, value, want):
    cond = {"all": [{"key": key, "operator": operator, "value": value}]}
    if semver_comparison(key, operator, value):
        with pytest.raises(Unsupported, match="semantic-version"):
            conditions_to_cel(cond, Scope())
        return
    assert holds(cond) is want


@pytest.mark.parametrize("key,operator,value,want", CASES, ids=[ids(c) for c in CASES])
def test_kyverno_table_key_from_variable(key, operator, value, want):
    cond = {"key": "{{ request.object.key }}", "operator": operator, "value": value}
    if semver_comparison(key, operator, value):
        with pytest.raises(Unsupported, match="semantic-version"):
            conditions_to_cel({"all": [cond]}, Scope())
        return
    assert holds({"all": [cond]}, {"key": key}) is want


@pytest.mark.parametrize("key,operator,value,want", CASES, ids=[ids(c) for c in CASES])
def test_kyverno_table_both_from_variables(key, operator, value, want):
    cond = {"key": "{{ request.object.key }}", "operator": operator, "value": "{{ request.object.value }}"}
    expr = conditions_to_cel({"all": [cond]}, Scope())
    obj = {"key": key, "value": value}
    if operator in ("AnyIn", "AllIn", "AnyNotIn", "AllNotIn") and isinstance(value, str) and (
            value.lstrip().startswith("[") or RANGE.match(value)):
        # range and JSON-array text read at run time is not interpreted: an evaluation error, never a wrong answer
        with pytest.raises(EvaluationError):
            evaluate(expr, obj, request={"operation": "CREATE"}, oldObject=None)
        return
    assert evaluate(expr, obj, request={"operation": "CREATE"}, oldObject=None) is want


def test_any_all_blocks():
    # Preconditions docs: any = at least one, all = every one; both blocks must hold
    c = {
        "any": [{"key": "{{ request.operation }}", "operator": "Equals", "value": "CREATE"},
                {"key": "{{ request.operation }}", "operator": "Equals", "value": "UPDATE"}],
        "all": [{"key": "{{ request.object.metadata.name }}", "operator": "NotEquals", "value": "skip-*"}],
    }
    assert holds(c, {"metadata": {"name": "web"}})
    assert not holds(c, {"metadata": {"name": "skip-me"}})
    assert not holds(c, {"metadata": {"name": "web"}}, request={"operation": "DELETE"})
    assert holds([{"key": "a", "operator": "Equals", "value": "a"}])  # legacy list = all
    assert not holds({"any": []})  # an empty any block is false in Kyverno


def test_operation_with_background_default():
    # best-practices policies: {{ request.operation || 'BACKGROUND' }} AnyIn [CREATE, UPDATE]
    c = {"all": [{"key": "{{ request.operation || 'BACKGROUND' }}", "operator": "AnyIn", "value": ["CREATE", "UPDATE"]}]}
    assert holds(c, {})
    assert not holds(c, {}, request={"operation": "DELETE"})


def test_missing_variable_is_null():
    # a path that does not resolve substitutes null: Equals fails, NotEquals with a string holds... per handlers
    c = {"all": [{"key": "{{ request.object.spec.missing }}", "operator": "Equals", "value": ""}]}
    assert not holds(c, {"spec": {}})
    c = {"all": [{"key": "{{ request.object.spec.missing }}", "operator": "NotEquals", "value": "x"}]}
    assert not holds(c, {"spec": {}})  # NotEqualHandler: a nil key is "unsupported type" -> false


def test_length_and_projections():
    c = {"all": [{"key": "{{ length(request.object.spec.containers[?securityContext.privileged]) }}",
                  "operator": "GreaterThan", "value": 0}]}
    assert holds(c, {"spec": {"containers": [{"securityContext": {"privileged": True}}, {}]}})
    assert not holds(c, {"spec": {"containers": [{"securityContext": {"privileged": False}}, {}]}})
    c = {"all": [{"key": "{{ request.object.spec.containers[].image }}", "operator": "AnyIn",
                  "value": ["*:latest"]}]}
    assert holds(c, {"spec": {"containers": [{"image": "a:1"}, {"image": "b:latest"}]}})
    assert not holds(c, {"spec": {"containers": [{"image": "a:1"}]}})
    c = {"all": [{"key": "{{ request.object.spec.containers[].securityContext.capabilities.add[] }}",
                  "operator": "AnyNotIn", "value": ["NET_BIND_SERVICE"]}]}
    assert holds(c, {"spec": {"containers": [{"securityContext": {"capabilities": {"add": ["NET_ADMIN"]}}}]}})
    assert not holds(c, {"spec": {"containers": [{"securityContext": {"capabilities": {"add": ["NET_BIND_SERVICE"]}}}]}})
    assert not holds(c, {"spec": {"containers": [{}]}})  # empty key list: nothing is "not in"


def test_unknown_operator_is_unsupported():
    with pytest.raises(Unsupported, match="operator"):
        conditions_to_cel({"all": [{"key": "a", "operator": "Matches", "value": "a"}]}, Scope())


# kyverno/kyverno pkg/engine/variables/operator/duration_test.go (Go int64(x) written as x)
DURATION_CASES = [
    ("2h", "DurationGreaterThan", "1h", True), ("1h", "DurationGreaterThan", "2h", False),
    ("1h", "DurationGreaterThan", "1h", False), ("60m", "DurationGreaterThan", "1h", False),
    ("61m", "DurationGreaterThan", "1h", True), (120, "DurationGreaterThan", 60, True),
    (60, "DurationGreaterThan", 120, False), (3600, "DurationGreaterThan", 1800, True),
    (120, "DurationGreaterThan", "1m", True), (120.5, "DurationGreaterThan", 60.5, True),
    (120.5, "DurationGreaterThan", 60, True), (120.0, "DurationGreaterThan", "1m", True),
    (True, "DurationGreaterThan", False, False),
    ("2h", "DurationGreaterThanOrEquals", "1h", True), ("1h", "DurationGreaterThanOrEquals", "60m", True),
    ("30m", "DurationGreaterThanOrEquals", "1h", False), (60, "DurationGreaterThanOrEquals", 60, True),
    ("30m", "DurationLessThan", "1h", True), ("2h", "DurationLessThan", "1h", False),
    ("1h", "DurationLessThan", "60m", False), (30, "DurationLessThan", 60, True),
    ("30m", "DurationLessThanOrEquals", "1h", True), ("1h", "DurationLessThanOrEquals", "60m", True),
    ("2h", "DurationLessThanOrEquals", "1h", False), (60, "DurationLessThanOrEquals", 60, True),
    (120, "DurationGreaterThan", 60.0, True), (120, "DurationGreaterThan", "1m", True),
    (120, "DurationGreaterThan", "invalid", False), (120, "DurationGreaterThan", True, False),
    (120.0, "DurationGreaterThan", 60, True), (120.0, "DurationGreaterThan", "invalid", False),
    ("2m", "DurationGreaterThan", 60, True), ("2m", "DurationGreaterThan", 60.0, True),
    ("invalid", "DurationGreaterThan", 60, False), ("1h", "DurationGreaterThan", "invalid", False),
    ("1h", "DurationGreaterThan", True, False),
]


@pytest.mark.parametrize("key,operator,value,want", DURATION_CASES, ids=[ids(c) for c in DURATION_CASES])
def test_duration_operators(key, operator, value, want):
    assert holds({"all": [{"key": key, "operator": operator, "value": value}]}) is want
    cond = {"key": "{{ request.object.key }}", "operator": operator, "value": value}
    assert holds({"all": [cond]}, {"key": key}) is want
