"""`migratable` for Kyverno policies (from the translator's rule statuses) and for the webhooks that serve them."""

from __future__ import annotations

import pytest

from migrator.analyze import migratability
from migrator.analyze.analyzer import analyze
from migrator.analyze.context import Options
from migrator.sources.cluster import Inventory

from .conftest import NOW

CEL_RULE = {"name": "cel", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
            "validate": {"cel": {"expressions": [{"expression": "object.metadata.name != 'x'"}]}}}
MUTATE_RULE = {"name": "mut", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
               "mutate": {"patchStrategicMerge": {"metadata": {"labels": {"a": "b"}}}}}


def policy(name, rules, kind="ClusterPolicy", namespace=None, failure=None):
    meta = {"name": name, **({"namespace": namespace} if namespace else {})}
    spec = {"rules": rules, **({"failurePolicy": failure} if failure else {})}
    return {"apiVersion": "kyverno.io/v1", "kind": kind, "metadata": meta, "spec": spec}


def kyverno_config(*names, kind="ValidatingWebhookConfiguration", cfg="kyverno-resource-validating-webhook-cfg"):
    return {"apiVersion": "admissionregistration.k8s.io/v1", "kind": kind,
            "metadata": {"name": cfg, "labels": {"webhook.kyverno.io/managed-by": "kyverno"}},
            "webhooks": [{"name": n, "sideEffects": "NoneOnDryRun", "timeoutSeconds": 3, "failurePolicy": "Ignore",
                          "clientConfig": {"service": {"namespace": "kyverno", "name": "kyverno-svc"}}, "rules": []}
                         for n in names]}


def run(*objs):
    inv = Inventory()
    for o in objs:
        inv.add_object(o, "t.yaml")
    return analyze(inv, Options(now=NOW))


def by_target(result):
    out = {w.target: w.migratable for w in result.webhooks}
    out.update({p.target: p.migratable for p in result.policies})
    return out


def test_plain_cel_policy_and_its_webhooks():
    result = run(
        policy("cel-only", [CEL_RULE]),
        policy("mutating", [MUTATE_RULE], namespace="team", kind="Policy"),
        kyverno_config("validate.kyverno.svc-fail", "validate.kyverno.svc-ignore", "validate-policy.kyverno.svc"),
        kyverno_config("mutate.kyverno.svc-fail", kind="MutatingWebhookConfiguration", cfg="kyverno-resource-mutating-webhook-cfg"),
        {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
         "metadata": {"name": "in-house"}, "webhooks": [{"name": "x.example.com", "sideEffects": "None", "timeoutSeconds": 1,
                                                          "clientConfig": {"url": "https://x"}}]},
    )
    states = by_target(result)
    assert states["ClusterPolicy/cel-only"] == "yes"
    assert states["Policy/team/mutating"] == "no"
    assert states["ValidatingWebhookConfiguration/kyverno-resource-validating-webhook-cfg/validate.kyverno.svc-fail"] == "yes"
    # no Ignore policy in the input: nothing known about what it serves
    assert states["ValidatingWebhookConfiguration/kyverno-resource-validating-webhook-cfg/validate.kyverno.svc-ignore"] == "unknown"
    assert states["ValidatingWebhookConfiguration/kyverno-resource-validating-webhook-cfg/validate-policy.kyverno.svc"] == "unknown"
    assert states["MutatingWebhookConfiguration/kyverno-resource-mutating-webhook-cfg/mutate.kyverno.svc-fail"] == "no"
    assert states["ValidatingWebhookConfiguration/in-house/x.example.com"] == "unknown"
    info = sorted(f.target for f in result.findings if f.id == "migratable")
    assert info == ["ClusterPolicy/cel-only",
                    "ValidatingWebhookConfiguration/kyverno-resource-validating-webhook-cfg/validate.kyverno.svc-fail"]


def test_mixed_policy_is_partial_and_never_migratable():
    result = run(policy("mixed", [CEL_RULE, MUTATE_RULE]))
    (p,) = result.policies
    assert p.migratable == "partial"
    assert [(r.name, r.status) for r in p.rules] == [("cel", "converted"), ("mut", "unsupported")]
    assert not [f for f in result.findings if f.id == "migratable"]


def test_failure_policy_routes_policies_to_fail_or_ignore_webhook():
    result = run(policy("soft", [CEL_RULE], failure="Ignore"),
                 kyverno_config("validate.kyverno.svc-fail", "validate.kyverno.svc-ignore"))
    states = by_target(result)
    assert states["ValidatingWebhookConfiguration/kyverno-resource-validating-webhook-cfg/validate.kyverno.svc-ignore"] == "yes"
    assert states["ValidatingWebhookConfiguration/kyverno-resource-validating-webhook-cfg/validate.kyverno.svc-fail"] == "unknown"


def test_finegrained_webhook_serves_its_policy():
    result = run(policy("a", [CEL_RULE]), policy("b", [MUTATE_RULE]),
                 kyverno_config("validate.kyverno.svc-fail-finegrained-a"))
    assert by_target(result)[
        "ValidatingWebhookConfiguration/kyverno-resource-validating-webhook-cfg/validate.kyverno.svc-fail-finegrained-a"] == "yes"


def test_translator_absent_or_failing_gives_unknown(monkeypatch):
    other = policy("pattern", [{"name": "p", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
                                "validate": {"pattern": {"metadata": {"name": "?*"}}}}])
    monkeypatch.setattr(migratability, "find_converter", lambda: None)
    (p,) = run(other).policies
    assert p.migratable == "unknown"

    def broken(docs):
        raise RuntimeError("boom")

    monkeypatch.setattr(migratability, "find_converter", lambda: broken)
    (p,) = run(other).policies
    assert p.migratable == "unknown" and "boom" in p.rules[0].reason


def test_uses_the_translator_statuses():
    converter = migratability.find_converter()
    if converter is None:
        pytest.skip("translator's convert_documents not committed yet")
    deny_rule = {"name": "deny-latest", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
                 "validate": {"message": "no latest", "pattern": {"spec": {"containers": [{"image": "!*:latest"}]}}}}
    (p,) = run(policy("pattern", [deny_rule])).policies
    assert p.rules and p.rules[0].status in ("converted", "partial", "unsupported")
    assert p.migratable in ("yes", "partial", "no")


def test_policy_with_own_match_conditions_is_served_only_by_its_finegrained_webhook():
    own = policy("own", [CEL_RULE])
    own["spec"]["webhookConfiguration"] = {"matchConditions": [{"name": "x", "expression": "true"}]}
    result = run(own, policy("ns-pol", [MUTATE_RULE], kind="Policy", namespace="team"),
                 kyverno_config("validate.kyverno.svc-fail", "validate.kyverno.svc-fail-finegrained-own"),
                 kyverno_config("mutate.kyverno.svc-fail-finegrained-team-ns-pol", kind="MutatingWebhookConfiguration",
                                cfg="kyverno-resource-mutating-webhook-cfg"))
    states = by_target(result)
    prefix = "ValidatingWebhookConfiguration/kyverno-resource-validating-webhook-cfg/"
    assert states[prefix + "validate.kyverno.svc-fail"] == "unknown"
    assert states[prefix + "validate.kyverno.svc-fail-finegrained-own"] == "yes"
    assert states["MutatingWebhookConfiguration/kyverno-resource-mutating-webhook-cfg/"
                  "mutate.kyverno.svc-fail-finegrained-team-ns-pol"] == "no"
