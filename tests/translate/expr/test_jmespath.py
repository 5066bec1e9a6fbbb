"""JMESPath -> CEL, checked against the reference JMESPath implementation (the `jmespath` package, which follows
the same specification as Kyverno's go-jmespath) on documents with missing fields, nulls and wrong types."""

from __future__ import annotations

import jmespath
import pytest

from exprcel import evaluate
from migrator.translate.kyverno.jmespath import jmespath_to_cel, substitute
from migrator.translate.kyverno.message import message_to_cel
from migrator.translate.kyverno.scope import Scope, Unsupported

DOCS = [
    {},
    {"metadata": None},
    {"metadata": {"name": "web", "labels": {"app": "web", "team": ""}, "annotations": {"a.b/c": "x"}}},
    {"metadata": {"labels": "not-a-map"}},
    {"spec": {"containers": [
        {"name": "a", "image": "nginx:1", "securityContext": {"privileged": True,
                                                             "capabilities": {"add": ["NET_ADMIN", "SYS_TIME"]}}},
        {"name": "b", "image": "redis:latest", "ports": [{"containerPort": 80}, {"containerPort": 443}]},
        {"name": "c"},
    ], "volumes": [{"name": "v", "hostPath": {"path": "/"}}, {"name": "w", "emptyDir": {}}], "replicas": 3}},
    {"spec": {"containers": "oops", "volumes": None}},
    {"spec": {"containers": [None, 1, "x", {"image": None}]}},
]

EXPRESSIONS = [
    "request.object.metadata.name",
    "request.object.metadata.labels.app",
    "request.object.metadata.labels.missing",
    'request.object.metadata.annotations."a.b/c"',
    "request.object.metadata.labels.app || 'none'",
    "request.object.metadata.labels.team || 'empty'",
    "request.object.spec.replicas",
    "request.object.spec.containers[0].name",
    "request.object.spec.containers[-1].name",
    "request.object.spec.containers[5]",
    "request.object.spec.containers[*].name",
    "request.object.spec.containers[].image",
    "request.object.spec.containers[?image].name",
    "request.object.spec.containers[?name == 'b'].image",
    "request.object.spec.containers[?securityContext.privileged == `true`].name",
    "contains(request.object.spec.containers[].securityContext.capabilities.add[], 'SYS_TIME')",
    "length(request.object.spec.containers[].ports[].containerPort)",
    "length(request.object.spec.containers)",
    "length(request.object.spec.containers[].image)",
    "length(request.object.spec.containers[].ports[])",
    "request.object.spec.volumes[?hostPath] | length(@)",
    "contains(request.object.spec.containers[].image, 'nginx:1')",
    "request.object.spec.containers[].name | [0]",
    "keys(request.object.metadata.labels)",
    "request.object.metadata.keys(@)",
    "values(request.object.metadata.labels)",
    "request.object.spec.containers[].securityContext.privileged",
    "to_string(request.object.spec.replicas)",
    "starts_with(request.object.metadata.name, 'we')",
    "!(request.object.metadata.labels)",
    "request.object.metadata.labels && request.object.metadata.name",
    "request.object.spec.replicas > `2`",
    "not_null(request.object.metadata.missing, request.object.metadata.name, 'x')",
    "request.object.spec.[containers, volumes][]",
    "request.operation",
    "request.userInfo.groups[?contains(@, ':') == `false`]",
]


def cel_value(expr: str, doc):
    request = {"operation": "CREATE", "userInfo": {"username": "alice", "groups": ["dev", "system:authenticated"]}}
    return evaluate(jmespath_to_cel(expr, Scope()), doc, request=request, oldObject=None)


def reference(expr: str, doc):
    data = {"request": {"object": doc, "operation": "CREATE",
                        "userInfo": {"username": "alice", "groups": ["dev", "system:authenticated"]}}}
    return jmespath.search(expr, data)


@pytest.mark.parametrize("doc", DOCS, ids=[f"doc{i}" for i in range(len(DOCS))])
@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_matches_reference_jmespath(expr, doc):
    try:
        want = reference(expr, doc)
    except jmespath.exceptions.JMESPathError:
        pytest.skip("the reference raises (Kyverno reports a rule error); CEL errors too or differs")
    try:
        got = cel_value(expr, doc)
    except Unsupported as exc:
        pytest.fail(f"unsupported: {exc}")
    if isinstance(want, list) and expr.startswith(("keys(", "request.object.metadata.keys", "values(")):
        assert sorted(got) == sorted(want)
    else:
        assert got == want


@pytest.mark.parametrize("expr,reason", [
    ("request.object.spec.containers[0:2]", "slice"),
    ("images.containers.*.registry", "variable"),
    ("sort(request.object.metadata.labels)", "sort"),
    ("request.object.spec.containers[].ports[]", "flattened projection"),
])
def test_unsupported_constructs_are_named(expr, reason):
    with pytest.raises(Unsupported, match=reason):
        jmespath_to_cel(expr, Scope())


def test_element_in_foreach_scope():
    scope = Scope().in_foreach("el", "idx")
    expr = jmespath_to_cel("element.image", scope)
    assert evaluate(expr, None, el={"image": "x"}) == "x"
    assert evaluate(jmespath_to_cel("elementIndex", scope), None, idx=2) == 2


def test_substitute_text_and_whole_values():
    scope = Scope()
    expr = substitute("image {{ request.object.metadata.name }} has {{request.object.spec.replicas}} replicas", scope)
    assert evaluate(expr, {"metadata": {"name": "web"}, "spec": {"replicas": 3}}) == "image web has 3 replicas"
    assert evaluate(substitute("{{ request.object.spec.replicas }}", scope), {"spec": {"replicas": 3}}) == 3
    assert evaluate(substitute("x-{{ request.object.missing }}", scope), {}) == "x-null"
    assert evaluate(substitute("\\{{ not a var }}", scope), {}) == "{{ not a var }}"


def test_messages():
    assert message_to_cel("Privileged mode is not allowed.", Scope()) == ("Privileged mode is not allowed.", None)
    msg, expr = message_to_cel("Image {{ request.object.spec.containers[0].image }}\nis not allowed", Scope())
    assert "\n" not in msg
    assert evaluate(expr, {"spec": {"containers": [{"image": "nginx"}]}}) == "Image nginx is not allowed"
    msg, expr = message_to_cel("uses {{ images.containers }}", Scope())
    assert expr is None and msg == "uses {{ images.containers }}"


def test_nested_variable_in_raw_string_and_defaults():
    # ensure-readonly-hostpath style: the inner '{{element.name}}' is substituted first, as text
    scope = Scope().in_foreach("el", "idx")
    expr = jmespath_to_cel(
        "request.object.spec.[containers, initContainers][].volumeMounts[?name == '{{element.name}}'][] | length(@)",
        scope)
    pod = {"spec": {"containers": [{"volumeMounts": [{"name": "h"}, {"name": "x"}]}],
                    "initContainers": [{"volumeMounts": [{"name": "h", "readOnly": True}]}]}}
    assert evaluate(expr, pod, el={"name": "h"}, idx=0) == 2
    # length(x[].y[] || `[]`): a missing projection counts 0
    expr = jmespath_to_cel("length(request.object.spec.containers[].livenessProbe.exec.command[] || `[]`)", Scope())
    assert evaluate(expr, {"spec": {"containers": [{}]}}) == 0
    assert evaluate(expr, {"spec": {"containers": [{"livenessProbe": {"exec": {"command": ["a", "b"]}}}]}}) == 2


def test_function_after_a_null_subexpression_is_null():
    # nginx-ingress restrict-annotations: annotations.values(@) on a resource without annotations is null
    assert cel_value("request.object.metadata.annotations.values(@)", {"metadata": {}}) is None
    assert cel_value("request.object.metadata.labels.keys(@)", {"metadata": {"labels": {"a": "b"}}}) == ["a"]


def test_lists_in_text_are_json():
    expr = substitute("groups: {{ request.object.groups }}", Scope())
    assert evaluate(expr, {"groups": ["a", 'b"<', 1, True, None]}) == 'groups: ["a","b\\"\\u003c",1,true,null]'
