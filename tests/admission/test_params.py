"""paramKind/paramRef as generic/policy_dispatcher.go CollectParams resolves them: by name or selector, in the
request's namespace unless paramRef.namespace says otherwise, one evaluation per param, parameterNotFoundAction."""

from __future__ import annotations

import pytest

PARAM_KIND = {"apiVersion": "v1", "kind": "ConfigMap"}
MAX_REPLICAS = [{"expression": "object.spec.replicas <= int(params.data.max)", "messageExpression": "'max is ' + params.data.max"}]
DEPLOY_RULE = {"apiGroups": ["apps"], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["deployments"]}


def config_map(name, namespace="default", labels=None, **data):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": namespace, "labels": labels or {}}, "data": data}


def deployment(vap, replicas, namespace="default"):
    obj = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": namespace}, "spec": {"replicas": replicas}}
    return vap.request(obj, kind=("apps", "v1", "Deployment"), resource=("apps", "v1", "deployments"), namespace=namespace)


def build(vap, param_ref, params):
    policy = vap.policy(rules=[DEPLOY_RULE], paramKind=PARAM_KIND, validations=MAX_REPLICAS)
    return vap.dispatcher(policy, vap.binding(paramRef=param_ref), params=params)


def test_param_by_name_in_the_request_namespace(vap):
    disp = build(vap, {"name": "limits", "parameterNotFoundAction": "Deny"}, [config_map("limits", max="3"), config_map("limits", "other", max="10")])
    assert disp.dispatch(deployment(vap, 3)).allowed
    d = disp.dispatch(deployment(vap, 5))
    assert not d.allowed and d.violations[0].message == "max is 3"
    assert disp.dispatch(deployment(vap, 5, namespace="other")).allowed


def test_param_ref_namespace_pins_the_namespace(vap):
    disp = build(vap, {"name": "limits", "namespace": "other", "parameterNotFoundAction": "Deny"},
                 [config_map("limits", max="3"), config_map("limits", "other", max="10")])
    assert disp.dispatch(deployment(vap, 5)).allowed


def test_selector_evaluates_once_per_param(vap):
    params = [
        config_map("a", labels={"use": "yes"}, max="3"),
        config_map("b", labels={"use": "yes"}, max="4"),
        config_map("c", labels={"use": "no"}, max="1"),
    ]
    disp = build(vap, {"selector": {"matchLabels": {"use": "yes"}}, "parameterNotFoundAction": "Deny"}, params)
    assert disp.dispatch(deployment(vap, 3)).allowed
    d = disp.dispatch(deployment(vap, 5))
    assert [v.message for v in d.violations] == ["max is 3", "max is 4"]
    d = disp.dispatch(deployment(vap, 4))
    assert [v.message for v in d.violations] == ["max is 3"]


@pytest.mark.parametrize("action, allowed", [("Allow", True), ("Deny", False)])
def test_parameter_not_found_action(vap, action, allowed):
    disp = build(vap, {"name": "missing", "parameterNotFoundAction": action}, [])
    d = disp.dispatch(deployment(vap, 100))
    assert d.allowed is allowed
    if not allowed:
        assert d.message == (
            "ValidatingAdmissionPolicy 'p' with binding 'b' denied request: failed to configure binding: "
            "no params found for policy binding with `Deny` parameterNotFoundAction"
        )


def test_not_found_deny_with_failure_policy_ignore_admits(vap):
    policy = vap.policy(rules=[DEPLOY_RULE], paramKind=PARAM_KIND, validations=MAX_REPLICAS, failurePolicy="Ignore")
    disp = vap.dispatcher(policy, vap.binding(paramRef={"name": "missing", "parameterNotFoundAction": "Deny"}))
    d = disp.dispatch(deployment(vap, 100))
    assert d.allowed and d.errors


def test_empty_selector_matches_every_param_in_the_namespace(vap):
    disp = build(vap, {"selector": {}, "parameterNotFoundAction": "Deny"}, [config_map("a", max="3"), config_map("b", "other", max="1")])
    assert [v.message for v in disp.dispatch(deployment(vap, 5)).violations] == ["max is 3"]


def test_namespaced_params_for_a_cluster_scoped_request_is_a_configuration_error(vap):
    rules = [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["*"], "resources": ["nodes"]}]
    policy = vap.policy(rules=rules, paramKind=PARAM_KIND, validations=[{"expression": "params != null"}])
    disp = vap.dispatcher(policy, vap.binding(paramRef={"name": "x", "parameterNotFoundAction": "Allow"}), params=[config_map("x")])
    node = vap.request({"metadata": {"name": "n"}}, kind=("", "v1", "Node"), resource=("", "v1", "nodes"), namespace="")
    d = disp.dispatch(node)
    assert not d.allowed
    assert "cannot use namespaced paramRef in policy binding that matches cluster-scoped resources" in d.message


def test_binding_without_param_ref_evaluates_with_null_params(vap):
    policy = vap.policy(rules=[DEPLOY_RULE], paramKind=PARAM_KIND, validations=[{"expression": "params == null"}])
    disp = vap.dispatcher(policy, vap.binding())
    assert disp.dispatch(deployment(vap, 1)).allowed


def test_cluster_scoped_param_kind(vap):
    kind = {"apiVersion": "example.com/v1", "kind": "Limit"}
    limit = {"apiVersion": "example.com/v1", "kind": "Limit", "metadata": {"name": "global"}, "spec": {"max": 2}}
    policy = vap.policy(rules=[DEPLOY_RULE], paramKind=kind, validations=[{"expression": "object.spec.replicas <= params.spec.max"}])
    disp = vap.dispatcher(policy, vap.binding(paramRef={"name": "global", "parameterNotFoundAction": "Deny"}), params=[limit])
    assert disp.dispatch(deployment(vap, 2)).allowed
    assert not disp.dispatch(deployment(vap, 3)).allowed
