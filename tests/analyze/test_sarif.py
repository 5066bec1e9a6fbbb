"""The generic SARIF 2.1.0 renderer."""

from __future__ import annotations

import json

from migrator.report.sarif import SarifResult, SarifRule, render_sarif


def test_rules_results_levels_and_locations():
    rules = [SarifRule("a-rule", "ARule", "short", severity="critical"), SarifRule("b", "B", "s", severity="low")]
    results = [
        SarifResult("a-rule", "critical", "bad", uri="dump/hooks.yaml", line=12, logical_name="K/c/w"),
        SarifResult("b", "low", "meh"),
    ]
    log = json.loads(render_sarif(rules, results, version="1.2.3"))
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["version"] == "1.2.3"
    assert [r["defaultConfiguration"]["level"] for r in driver["rules"]] == ["error", "note"]
    assert driver["rules"][0]["properties"]["security-severity"] == "9.5"
    first, second = log["runs"][0]["results"]
    assert first["ruleIndex"] == 0 and first["level"] == "error"
    assert first["locations"][0]["physicalLocation"] == {"artifactLocation": {"uri": "dump/hooks.yaml"}, "region": {"startLine": 12}}
    assert first["locations"][0]["logicalLocations"] == [{"fullyQualifiedName": "K/c/w", "kind": "resource"}]
    assert "locations" not in second and second["level"] == "note"
    assert first["partialFingerprints"]["migratorFinding/v1"] != second["partialFingerprints"]["migratorFinding/v1"]
