"""Generated objects: names, schema validation, compile checks, ValidatingPolicy conversion, Kyverno-only CEL."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrator.cel import Environment, to_cel
from migrator.sources.documents import Document
from migrator.sources.kyverno import policy_from_document
from migrator.translate.kyverno.cel_rule import kyverno_library_use
from migrator.translate.kyverno.match import wildcard_cel
from migrator.translate.kyverno.scope import Unsupported
from migrator.translate.kyverno.validating_policy import convert_validating_policy
from migrator.translate.objects import (binding_object, check_objects, object_name, policy_object, schema,
                                        schema_errors)

DNS = re.compile(schema()["$defs"]["dnsSubdomain"]["pattern"])


def vap(name="p", **spec):
    base = {"matchConstraints": {"resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"],
                                                    "operations": ["CREATE"]}]},
            "validations": [{"expression": "true"}]}
    base.update(spec)
    return policy_object(name, {}, base)


def test_schema_accepts_a_good_pair_and_rejects_mistakes():
    assert schema_errors(vap()) == []
    assert schema_errors(binding_object("p", "p", ["Deny"], {})) == []
    assert schema_errors(vap(failurePolicy="Sometimes"))
    assert schema_errors(vap(validations=[{"expresion": "true"}]))  # typo: unknown field, missing expression
    assert schema_errors(vap(name="Upper_Case"))
    assert schema_errors(binding_object("p", "p", ["Deny", "Warn"], {}))
    assert schema_errors(binding_object("p", "p", [], {}))
    no_rules = vap()
    del no_rules["spec"]["matchConstraints"]["resourceRules"]
    assert schema_errors(no_rules)


def test_check_objects_rejects_cel_that_does_not_compile():
    with pytest.raises(Unsupported, match="does not compile"):
        check_objects([vap(validations=[{"expression": "object.spec.(("}])])
    with pytest.raises(Unsupported, match="not valid"):
        check_objects([vap(failurePolicy="Sometimes")])


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=40), st.one_of(st.none(), st.text(max_size=20)), st.text(max_size=80))
def test_object_names_are_dns_subdomains_attributable_to_the_policy(policy, namespace, rule):
    name = object_name(policy, namespace, rule or None)
    assert DNS.match(name) and len(name) <= 253
    if DNS.match(policy) and policy == policy.lower() and len(policy) < 200:
        assert name == policy or name.startswith(policy + "-")


def go_wildcard(pattern: str, name: str) -> bool:
    """Reference: IGLOU-EU/go-wildcard v1.0.3 Match (`*` any run, `?` exactly one character)."""
    if pattern == "":
        return name == ""
    if pattern == "*":
        return True

    def deep(s: str, p: str) -> bool:
        while p:
            if p[0] == "*":
                return deep(s, p[1:]) or (len(s) > 0 and deep(s[1:], p))
            if not s or (p[0] != "?" and s[0] != p[0]):
                return False
            s, p = s[1:], p[1:]
        return not s

    return deep(name, pattern)


ENV_S = Environment({"s": "string"})
ALPHABET = st.sampled_from(list("ab*?.-\\\"'$\n(é"))


@settings(max_examples=200, deadline=None)
@given(st.text(ALPHABET, max_size=8), st.text(st.sampled_from(list("ab.-\\\"'$\n(é")), max_size=8))
def test_wildcard_cel_agrees_with_go_wildcard(pattern, name):
    expr = wildcard_cel(pattern, "s")
    assert bool(ENV_S.compile(expr).evaluate({"s": to_cel(name)})) is go_wildcard(pattern, name)


@pytest.mark.parametrize("expr,lib", [
    ("resource.Get('v1', 'pods', 'ns', 'x').metadata.name != ''", "resource"),
    ("http.Get('https://x').ok", "http"),
    ("image('nginx').registry() == 'docker.io'", "image"),
    ("globalContext.Get('x', '')", "globalContext"),
    ("object.spec.containers.all(image, image.name != '')", None),
    ("object.resource.http == 'x' && 'http.Get(' != ''", None),
])
def test_kyverno_library_detection(expr, lib):
    assert kyverno_library_use(expr) == lib


def vpol(spec, kind="ValidatingPolicy"):
    obj = {"apiVersion": "policies.kyverno.io/v1", "kind": kind, "metadata": {"name": "vp"}, "spec": spec}
    return policy_from_document(Document("v.yaml", 0, 1, obj))


POD_RULES = {"resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"], "operations": ["CREATE", "UPDATE"]}]}


def test_validating_policy_copies_and_autogens():
    conv = convert_validating_policy(vpol({
        "validationActions": ["Warn", "Audit"],
        "matchConstraints": POD_RULES,
        "variables": [{"name": "c", "expression": "object.spec.containers"}],
        "validations": [{"expression": "variables.c.all(x, x.image != '')", "messageExpression": "'bad ' + object.metadata.name"}],
        "auditAnnotations": [{"key": "k", "valueExpression": "'v'"}],
    }))
    assert conv.rules[0].status == "converted", conv.rules[0].reason
    names = [o["metadata"]["name"] for o in conv.objects]
    assert names == ["vp", "vp", "vp-autogen-cronjobs", "vp-autogen-cronjobs", "vp-autogen-defaults", "vp-autogen-defaults"]
    assert conv.objects[1]["spec"]["validationActions"] == ["Warn", "Audit"]
    defaults = conv.objects[4]["spec"]
    assert defaults["variables"][0]["expression"] == "object.spec.template.spec.containers"
    assert defaults["validations"][0]["messageExpression"] == "'bad ' + object.spec.template.metadata.name"


@pytest.mark.parametrize("spec,reason", [
    ({"matchConstraints": POD_RULES, "validations": [{"expression": "http.Get('u').x"}]}, "http"),
    ({"matchConstraints": POD_RULES, "evaluation": {"mode": "JSON"}, "validations": [{"expression": "true"}]}, "mode"),
    ({"matchConstraints": POD_RULES, "evaluation": {"admission": {"enabled": False}}, "validations": [{"expression": "true"}]}, "admission"),
    ({"validations": [{"expression": "true"}]}, "matchConstraints"),
])
def test_validating_policy_unsupported(spec, reason):
    conv = convert_validating_policy(vpol(spec))
    assert conv.rules[0].status == "unsupported" and reason in conv.rules[0].reason
    assert conv.objects == []


def test_validating_policy_default_action_is_deny():
    conv = convert_validating_policy(vpol({"matchConstraints": {"resourceRules": [
        {"apiGroups": ["apps"], "apiVersions": ["v1"], "resources": ["deployments"], "operations": ["CREATE"]}]},
        "validations": [{"expression": "true"}]}))
    assert [o["spec"].get("validationActions") for o in conv.objects if o["kind"].endswith("Binding")] == [["Deny"]]


def test_namespaced_validating_policy_is_scoped_to_its_namespace():
    obj = {"apiVersion": "policies.kyverno.io/v1beta1", "kind": "NamespacedValidatingPolicy",
           "metadata": {"name": "nvp", "namespace": "team-a"},
           "spec": {"matchConstraints": {"resourceRules": [{"apiGroups": ["apps"], "apiVersions": ["v1"],
                                                            "resources": ["deployments"], "operations": ["CREATE"]}]},
                    "validations": [{"expression": "object.spec.replicas < 3"}]}}
    conv = convert_validating_policy(policy_from_document(Document("n.yaml", 0, 1, obj)))
    assert conv.rules[0].status == "converted", conv.rules[0].reason
    vap_obj = conv.objects[0]
    assert vap_obj["metadata"]["name"] == "nvp-team-a"
    cond = vap_obj["spec"]["matchConditions"][0]["expression"]
    env = Environment({"request": "dyn"})
    req = {"resource": {"group": "apps", "version": "v1", "resource": "deployments"}, "namespace": "team-a"}
    assert env.compile(cond).evaluate({"request": to_cel(req)}) is True or bool(env.compile(cond).evaluate({"request": to_cel(req)}))
    req["namespace"] = "team-b"
    assert not bool(env.compile(cond).evaluate({"request": to_cel(req)}))


def test_message_expression_that_does_not_compile_is_dropped_not_the_rule():
    conv = convert_validating_policy(vpol({
        "matchConstraints": {"resourceRules": [{"apiGroups": ["apps"], "apiVersions": ["v1"], "resources": ["deployments"],
                                                "operations": ["CREATE"]}]},
        "validations": [{"expression": "object.spec.replicas < 3", "message": "too many",
                         "messageExpression": "no_such_function(object)"}]}))
    assert conv.rules[0].status == "converted", conv.rules[0].reason
    assert conv.objects[0]["spec"]["validations"][0] == {"expression": "object.spec.replicas < 3", "message": "too many"}


def test_kyverno_cel_dialect_is_ported_orvalue_on_plain_values():
    # Kyverno's compat macro makes x.orValue(y) return a non-optional x as is; the API server has no such overload
    conv = convert_validating_policy(vpol({
        "matchConstraints": {"resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"], "resources": ["configmaps"],
                                                "operations": ["CREATE"]}]},
        "validations": [{"expression": "object.data.orValue({}).size() < 3"}]}))
    assert conv.rules[0].status == "converted", conv.rules[0].reason
    expr = conv.objects[0]["spec"]["validations"][0]["expression"]
    assert "orValue" not in expr
    env = Environment({"object": "dyn"})
    assert bool(env.compile(expr).evaluate({"object": to_cel({"data": {"a": "1"}})}))


def test_condition_names_are_made_valid_and_unique():
    from migrator.translate.objects import condition_names

    out = condition_names([{"name": "Only for prod", "expression": "true"}, {"name": "ok", "expression": "true"},
                           {"name": "ok", "expression": "false"}])
    names = [c["name"] for c in out]
    assert names[1] == "ok" and len(set(names)) == 3
    assert all(re.match(schema()["$defs"]["qualifiedName"]["pattern"], n) for n in names)
    assert [c["expression"] for c in out] == ["true", "true", "false"]


def test_schema_errors_name_the_field():
    errs = schema_errors(vap(matchConditions=[{"name": "bad name", "expression": "true"}]))
    assert errs and errs[0].startswith("spec/matchConditions/0/name")
