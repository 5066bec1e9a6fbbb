"""match/exclude -> matchConstraints + conditions, evaluated with our engine on hand-written requests."""

from __future__ import annotations

import pytest

from migrator.cel import Environment, to_cel
from migrator.translate.kyverno.kinds import parse_kind_selector
from migrator.translate.kyverno.match import translate_match, wildcard_cel
from migrator.translate.kyverno.scope import Unsupported

ENV = Environment({n: "dyn" for n in ("object", "oldObject", "request", "namespaceObject", "params", "authorizer")})


def request(kind="Pod", group="", version="v1", resource="pods", name="web-1", namespace="prod", op="CREATE",
            username="alice", groups=None, sub=None):
    req = {
        "operation": op,
        "kind": {"group": group, "version": version, "kind": kind},
        "resource": {"group": group, "version": version, "resource": resource},
        "name": name,
        "namespace": namespace,
        "userInfo": {"username": username, "groups": groups or []},
    }
    if sub:
        req["subResource"] = sub
    return req


def matches(rule, req, obj=None, ns_labels=None):
    """True when the request passes the resourceRules (checked loosely by resource) and every condition."""
    m = translate_match(rule)
    act = {
        "request": to_cel(req),
        "object": to_cel(obj if obj is not None else {"metadata": {"name": req.get("name", "")}}),
        "oldObject": to_cel(None),
        "namespaceObject": to_cel({"metadata": {"name": req["namespace"], "labels": ns_labels or {}}}
                                  if req.get("namespace") else None),
    }
    resource = req["resource"]["resource"] + ("/" + req["subResource"] if req.get("subResource") else "")
    in_rules = any(
        (resource in rr["resources"] or "*" in rr["resources"] and "/" not in resource or "*/*" in rr["resources"])
        and (req["resource"]["group"] in rr["apiGroups"] or "*" in rr["apiGroups"])
        and req["operation"] in rr["operations"]
        for rr in m.resource_rules
    )
    return in_rules and all(ENV.compile(c["expression"]).evaluate(act) is True or
                            bool(ENV.compile(c["expression"]).evaluate(act)) for c in m.conditions)


def test_kinds_only_is_exact_without_conditions():
    m = translate_match({"match": {"any": [{"resources": {"kinds": ["Pod", "apps/v1/Deployment"], "operations": ["CREATE"]}}]}})
    assert m.conditions == []
    resources = {r for rr in m.resource_rules for r in rr["resources"]}
    assert resources == {"pods", "pods/ephemeralcontainers", "deployments"}
    assert all(rr["operations"] == ["CREATE"] for rr in m.resource_rules)


def test_default_operations_are_all_four_for_validate_rules():
    m = translate_match({"match": {"resources": {"kinds": ["Pod"]}}})
    assert m.resource_rules[0]["operations"] == ["CREATE", "UPDATE", "DELETE", "CONNECT"]


def test_names_namespaces_wildcards():
    rule = {"match": {"any": [{"resources": {"kinds": ["Pod"], "names": ["web-?"], "namespaces": ["pr*"]}}]}}
    assert matches(rule, request(name="web-1", namespace="prod"))
    assert not matches(rule, request(name="web-12", namespace="prod"))
    assert not matches(rule, request(name="web-1", namespace="dev"))


def test_exclude_any_and_selectors():
    rule = {
        "match": {"any": [{"resources": {"kinds": ["Pod"], "selector": {"matchLabels": {"app": "x"}}}}]},
        "exclude": {"any": [{"resources": {"namespaceSelector": {"matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["system"]}]}}}]},
    }
    labelled = {"metadata": {"name": "web-1", "labels": {"app": "x"}}}
    assert matches(rule, request(), labelled, {"tier": "app"})
    assert not matches(rule, request(), labelled, {"tier": "system"})
    assert not matches(rule, request(), {"metadata": {"name": "web-1"}}, {"tier": "app"})


def test_subjects_and_all():
    rule = {"match": {"all": [
        {"resources": {"kinds": ["Pod"]}},
        {"subjects": [{"kind": "Group", "name": "dev*"}, {"kind": "ServiceAccount", "name": "ci", "namespace": "tools"}]},
    ]}}
    assert matches(rule, request(groups=["developers"]))
    assert matches(rule, request(username="system:serviceaccount:tools:ci"))
    assert not matches(rule, request(groups=["ops"]))
    assert not matches(rule, request(kind="Service", resource="services", groups=["developers"]))


def test_roles_in_match_are_unsupported_and_in_exclude_partial():
    with pytest.raises(Unsupported, match="roles"):
        translate_match({"match": {"any": [{"resources": {"kinds": ["Pod"]}, "clusterRoles": ["admin"]}]}})
    m = translate_match({"match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
                         "exclude": {"any": [{"clusterRoles": ["cluster-admin"]}]}})
    assert m.dropped and "roles" in m.dropped[0]


def test_crd_kind_matches_by_request_kind_not_by_guessed_plural():
    rule = {"match": {"any": [{"resources": {"kinds": ["example.com/v1/Widget"]}}]}}
    m = translate_match(rule)
    assert m.resource_rules[0]["resources"] == ["*"] and m.resource_rules[0]["apiGroups"] == ["example.com"]
    assert matches(rule, request(kind="Widget", group="example.com", resource="widgetz"))
    assert not matches(rule, request(kind="Gadget", group="example.com", resource="widgets"))


def test_subresource_and_ephemeral_containers():
    rule = {"match": {"any": [{"resources": {"kinds": ["Pod/exec"]}}]}}
    m = translate_match(rule)
    assert m.resource_rules[0]["resources"] == ["pods/exec"]
    pod = translate_match({"match": {"any": [{"resources": {"kinds": ["Pod"], "names": ["a"]}}]}})
    assert "pods/ephemeralcontainers" in pod.resource_rules[0]["resources"]


def test_namespaced_policy_scopes_to_its_namespace():
    m = translate_match({"match": {"any": [{"resources": {"kinds": ["ConfigMap"]}}]}}, policy_namespace="team-a")
    assert any(c["name"] == "kyverno-policy-namespace" for c in m.conditions)


@pytest.mark.parametrize("text,expected", [
    ("Pod", ("*", "*", "Pod", "")),
    ("v1/Pod", ("*", "v1", "Pod", "")),
    ("apps/v1/Deployment", ("apps", "v1", "Deployment", "")),
    ("Pod/exec", ("*", "*", "Pod", "exec")),
    ("*/*", ("*", "*", "*", "*")),
    ("networking.k8s.io/v1/Ingress", ("networking.k8s.io", "v1", "Ingress", "")),
    ("v1/Pod/status", ("*", "v1", "Pod", "status")),
])
def test_parse_kind_selector(text, expected):
    s = parse_kind_selector(text)
    assert (s.group, s.version, s.kind, s.subresource) == expected


@pytest.mark.parametrize("pattern,value,ok", [
    ("kube-*", "kube-system", True), ("kube-*", "default", False), ("a?c", "abc", True), ("a?c", "ac", False),
    ("*", "", True), ('we"ird*', 'we"ird-1', True), ("x.y", "xay", False), ("*-[a]", "b-[a]", True),
])
def test_wildcard_cel(pattern, value, ok):
    env = Environment({"s": "string"})
    assert bool(env.compile(wildcard_cel(pattern, "s")).evaluate({"s": to_cel(value)})) is ok


def test_exclude_user_subject_is_negated_as_a_whole():
    # regression: `!` must wrap the whole exclusion, not only its first parenthesized term
    rule = {"match": {"any": [{"resources": {"kinds": ["Pod"], "names": ["*"]}}]},
            "exclude": {"any": [{"subjects": [{"kind": "User", "name": "system:serviceaccount:ci:bot"}]}]}}
    assert matches(rule, request(username="alice"))
    assert not matches(rule, request(username="system:serviceaccount:ci:bot"))


def test_wildcard_kind_also_covers_pod_ephemeral_containers():
    m = translate_match({"match": {"any": [{"resources": {"kinds": ["*"]}}]}})
    assert m.conditions == []
    assert m.resource_rules[0]["resources"] == ["*", "pods/ephemeralcontainers"]


@pytest.mark.parametrize("kind,plural", [("Widget", "widgets"), ("Policy", "policies"), ("Gateway", "gateways"),
                                         ("Ingress", "ingresses"), ("Mesh", "meshes")])
def test_crd_plural_convention(kind, plural):
    from migrator.translate.kyverno.kinds import crd_plural

    assert crd_plural(kind) == plural


def test_wildcards_in_selector_match_labels_follow_kyverno():
    rule = {"match": {"any": [{"resources": {"kinds": ["Pod"], "selector": {"matchLabels": {"app.kubernetes.io/*": "web-?"}}}}]}}
    assert matches(rule, request(), {"metadata": {"name": "a", "labels": {"app.kubernetes.io/name": "web-1"}}})
    assert not matches(rule, request(), {"metadata": {"name": "a", "labels": {"app.kubernetes.io/name": "web-12"}}})
    assert not matches(rule, request(), {"metadata": {"name": "a"}})
