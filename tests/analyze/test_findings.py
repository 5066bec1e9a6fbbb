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
