"""`convert` of a ValidatingWebhookConfiguration: a VAP + binding scaffold that keeps the webhook's scope exactly."""

from __future__ import annotations

import copy

import pytest

from migrator.errors import InputError
from migrator.sources.documents import Document

model = pytest.importorskip("migrator.translate.model", reason="translator model not committed yet")
webhook_mod = pytest.importorskip("migrator.translate.webhook")

HOOK = {
    "name": "Registry.Guard.example.com",
    "admissionReviewVersions": ["v1"],
    "clientConfig": {"service": {"namespace": "platform", "name": "registry-guard", "path": "/validate"}},
    "rules": [
        {"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"], "resources": ["pods", "pods/ephemeralcontainers"], "scope": "Namespaced"},
        {"apiGroups": ["apps"], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["deployments"]},
    ],
    "namespaceSelector": {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["kube-system"]}]},
    "objectSelector": {"matchLabels": {"registry-guard": "enabled"}},
    "matchConditions": [{"name": "not-a-node", "expression": "!request.userInfo.username.startsWith('system:node:')"}],
    "failurePolicy": "Ignore",
    "matchPolicy": "Exact",
    "sideEffects": "None",
    "timeoutSeconds": 5,
}
CONFIG = {
    "apiVersion": "admissionregistration.k8s.io/v1",
    "kind": "ValidatingWebhookConfiguration",
    "metadata": {"name": "image-registry-guard"},
    "webhooks": [HOOK, {**copy.deepcopy(HOOK), "name": "second.example.com", "failurePolicy": None, "matchPolicy": None,
                        "matchConditions": None, "objectSelector": None}],
}


def doc(obj):
    return Document("hooks.yaml", 0, 1, obj)


def test_scope_is_kept_exactly():
    first, second = webhook_mod.convert_webhook_configuration(doc(copy.deepcopy(CONFIG)))
    policy, binding = first.objects
    assert policy["kind"] == "ValidatingAdmissionPolicy" and binding["kind"] == "ValidatingAdmissionPolicyBinding"
    spec = policy["spec"]
    assert spec["matchConstraints"] == {
        "resourceRules": HOOK["rules"],
        "namespaceSelector": HOOK["namespaceSelector"],
        "objectSelector": HOOK["objectSelector"],
        "matchPolicy": "Exact",
    }
    assert spec["matchConditions"] == HOOK["matchConditions"]
    assert spec["failurePolicy"] == "Ignore"
    assert binding["spec"]["policyName"] == policy["metadata"]["name"]
    # v1 defaults where the webhook leaves fields unset
    spec2 = second.objects[0]["spec"]
    assert spec2["failurePolicy"] == "Fail" and spec2["matchConstraints"]["matchPolicy"] == "Equivalent"
    assert "matchConditions" not in spec2 and "objectSelector" not in spec2["matchConstraints"]


def test_placeholder_is_marked_and_status_partial():
    (conv, _) = webhook_mod.convert_webhook_configuration(doc(copy.deepcopy(CONFIG)))
    (rule,) = conv.rules
    assert rule.status == "partial" and "placeholder" in rule.reason
    assert conv.kind == "ValidatingWebhookConfiguration"
    (validation,) = conv.objects[0]["spec"]["validations"]
    assert validation["expression"] == "true"
    assert "PLACEHOLDER" in validation["message"]
    assert "placeholder" in conv.objects[0]["metadata"]["annotations"]["migrator.io/placeholder"]
    name = conv.objects[0]["metadata"]["name"]
    assert name.startswith("image-registry-guard-") and name == name.lower()


def test_objects_validate_against_the_v1_schema():
    from migrator.translate.objects import compile_errors, schema_errors

    for conv in webhook_mod.convert_webhook_configuration(doc(copy.deepcopy(CONFIG))):
        for obj in conv.objects:
            assert schema_errors(obj) == []
        assert compile_errors(conv.objects[0]) == []


def test_match_condition_that_does_not_compile_is_reported_not_emitted():
    bad = copy.deepcopy(CONFIG)
    bad["webhooks"] = [{**copy.deepcopy(HOOK), "matchConditions": [{"name": "x", "expression": "request.("}]}]
    (conv,) = webhook_mod.convert_webhook_configuration(doc(bad))
    assert conv.objects == [] and conv.rules[0].status == "unsupported"


def test_mutating_configuration_is_unsupported():
    mutating = {**copy.deepcopy(CONFIG), "kind": "MutatingWebhookConfiguration"}
    convs = webhook_mod.convert_webhook_configuration(doc(mutating))
    assert [c.rules[0].status for c in convs] == ["unsupported", "unsupported"]


def test_bad_input_names_the_place():
    with pytest.raises(InputError, match="webhooks\\[0\\]"):
        webhook_mod.convert_webhook_configuration(doc({**CONFIG, "webhooks": [{"rules": []}]}))
    with pytest.raises(InputError, match="kind"):
        webhook_mod.convert_webhook_configuration(doc({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}}))


def test_documents_entry_point_picks_webhook_configurations():
    from migrator.sources.documents import Document as Doc

    docs = [Doc("a.yaml", 0, 1, copy.deepcopy(CONFIG)), Doc("a.yaml", 1, 9, {"apiVersion": "v1", "kind": "Service"})]
    convs = webhook_mod.convert_webhook_documents(docs)
    assert [c.rules[0].name for c in convs] == ["Registry.Guard.example.com", "second.example.com"]
    assert webhook_mod.is_webhook_configuration(CONFIG) and not webhook_mod.is_webhook_configuration(docs[1].obj)
