"""One fixture folder per finding id: `fires` must report it for the expected target, `quiet` must not."""

from __future__ import annotations

import pytest

from migrator.analyze.model import FINDING_IDS

from .conftest import FIXTURES, WEBHOOK_TARGET

EXPECTED_TARGET = {fid: WEBHOOK_TARGET for fid in FINDING_IDS}
EXPECTED_TARGET["migratable"] = "ClusterPolicy/require-run-as-nonroot"


def test_every_finding_id_has_both_fixtures():
    for fid in FINDING_IDS:
        assert (FIXTURES / fid / "fires").is_dir(), fid
        assert (FIXTURES / fid / "quiet").is_dir(), fid


@pytest.mark.parametrize("finding_id", sorted(FINDING_IDS))
def test_fires(finding_id, dump, analyze_json):
    result = analyze_json(dump(f"{finding_id}/fires"))
    hits = [f for f in result["findings"] if f["id"] == finding_id]
    assert [f["target"] for f in hits] == [EXPECTED_TARGET[finding_id]], result["findings"]
    assert hits[0]["severity"] == FINDING_IDS[finding_id][0]
    assert hits[0]["message"]


@pytest.mark.parametrize("finding_id", sorted(FINDING_IDS))
def test_quiet(finding_id, dump, analyze_json):
    result = analyze_json(dump(f"{finding_id}/quiet"))
    assert [f for f in result["findings"] if f["id"] == finding_id] == []


def test_healthy_cluster_has_no_findings(dump, analyze_json):
    result = analyze_json(dump("healthy"))
    assert result["findings"] == []
    assert result["summary"] == {
        "webhooks": 1,
        "policies": 0,
        "by_severity": {"critical": 0, "high": 0, "medium": 0, "low": 0, "info": 0},
    }
    (webhook,) = result["webhooks"]
    assert webhook == {
        "kind": "ValidatingWebhookConfiguration",
        "configuration": "guard-webhook",
        "webhook": "policy.guard.example.com",
        "failurePolicy": "Fail",
        "timeoutSeconds": 3,
        "service": "guard/guard-svc",
        "url": None,
        "migratable": "unknown",
        "findings": [],
    }


def test_kyverno_outage_scenario_reports_exactly_what_is_wrong(dump, analyze_json):
    """Kyverno's admission pods are all unready (EndpointSlice says so although the Deployment wants 3), its
    fail-closed webhook covers kube-system, the API server log (a CloudWatch export) and metrics show the failed
    calls; cert-manager's webhook is healthy apart from an expiring CA, one replica and no PDB."""
    result = analyze_json(dump("scenarios/kyverno-outage"))
    kyv = "ValidatingWebhookConfiguration/kyverno-resource-validating-webhook-cfg/"
    cm = "MutatingWebhookConfiguration/cert-manager-webhook/webhook.cert-manager.io"
    found = sorted((f["id"], f["target"]) for f in result["findings"])
    assert found == sorted([
        ("fail-closed-unavailable", kyv + "validate.kyverno.svc-fail"),
        ("covers-kube-system", kyv + "validate.kyverno.svc-fail"),
        ("calling-errors", kyv + "validate.kyverno.svc-fail"),
        ("call-failures", kyv + "validate.kyverno.svc-fail"),
        ("timeout-long", kyv + "validate.kyverno.svc-fail"),
        ("fail-open-events", kyv + "validate.kyverno.svc-ignore"),
        ("migratable", kyv + "validate.kyverno.svc-fail"),
        ("migratable", "ClusterPolicy/require-run-as-nonroot"),
        ("cert-expiring", cm),
        ("single-replica", cm),
        ("no-pdb", cm),
        ("no-resource-requests", cm),
    ])
    (calls,) = [f for f in result["findings"] if f["id"] == "call-failures"]
    assert calls["evidence"] == {"count": 2, "by_cause": {"timeout": 1, "no-endpoints": 1},
                                 "first": "2026-11-23T22:01:07.120000Z", "last": "2026-11-23T22:03:30.500000Z"}
    migratable = {w["webhook"]: w["migratable"] for w in result["webhooks"]}
    assert migratable == {"validate.kyverno.svc-fail": "yes", "validate.kyverno.svc-ignore": "no",
                          "webhook.cert-manager.io": "unknown"}
    assert result["summary"]["by_severity"] == {"critical": 1, "high": 6, "medium": 3, "low": 0, "info": 2}
