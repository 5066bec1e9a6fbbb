"""SARIF 2.1.0: one rule per finding id, one result per finding, so code-scanning UIs can show them.

Generic over the command: callers pass rules and results; see migrator.cli.analyze for the analyze mapping.
Spec: https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

# our severities -> SARIF level and the `security-severity` score code-scanning UIs rank by
LEVEL_OF_SEVERITY = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}


@dataclass
class SarifRule:
    id: str
    name: str
    short_description: str
    full_description: str = ""
    severity: str = "medium"  # critical|high|medium|low|info
    help_text: str = ""
    tags: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        rule: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "shortDescription": {"text": self.short_description},
            "fullDescription": {"text": self.full_description or self.short_description},
            "defaultConfiguration": {"level": LEVEL_OF_SEVERITY.get(self.severity, "warning")},
            "properties": {"security-severity": SECURITY_SEVERITY.get(self.severity, "5.5"), "tags": list(self.tags)},
        }
        if self.help_text:
            rule["help"] = {"text": self.help_text}
        return rule


@dataclass
class SarifResult:
    rule_id: str
    severity: str
    message: str
    uri: str | None = None  # file the finding is about
    line: int = 0
    logical_name: str | None = None  # e.g. ValidatingWebhookConfiguration/cfg/webhook
    properties: dict[str, Any] = field(default_factory=dict)


def render_sarif(
    rules: list[SarifRule], results: list[SarifResult], *, tool: str = "migrator", version: str = "0", info_uri: str = ""
) -> str:
    """The SARIF log as indented JSON text."""
    index = {r.id: i for i, r in enumerate(rules)}
    out_results = []
    for res in results:
        item: dict[str, Any] = {
            "ruleId": res.rule_id,
            "level": LEVEL_OF_SEVERITY.get(res.severity, "warning"),
            "message": {"text": res.message},
        }
        if res.rule_id in index:
            item["ruleIndex"] = index[res.rule_id]
        location: dict[str, Any] = {}
        if res.uri:
            physical: dict[str, Any] = {"artifactLocation": {"uri": res.uri}}
            if res.line > 0:
                physical["region"] = {"startLine": res.line}
            location["physicalLocation"] = physical
        if res.logical_name:
            location["logicalLocations"] = [{"fullyQualifiedName": res.logical_name, "kind": "resource"}]
        if location:
            item["locations"] = [location]
        fingerprint = hashlib.sha256(f"{res.rule_id}\0{res.logical_name or res.uri}".encode()).hexdigest()[:32]
        item["partialFingerprints"] = {"migratorFinding/v1": fingerprint}
        if res.properties:
            item["properties"] = res.properties
        out_results.append(item)
    driver: dict[str, Any] = {"name": tool, "version": version, "rules": [r.to_json() for r in rules]}
    if info_uri:
        driver["informationUri"] = info_uri
    log = {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{"tool": {"driver": driver}, "results": out_results, "columnKind": "unicodeCodePoints"}],
    }
    return json.dumps(log, indent=2) + "\n"
