"""The analysis as plain data: findings, webhooks, policies, and the JSON shape of the contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("critical", "high", "medium", "low", "info")
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}  # 0 is the worst

# id -> (severity, short title shown in SARIF rules and docs)
FINDING_IDS: dict[str, tuple[str, str]] = {
    "fail-closed-unavailable": ("critical", "Fail-closed webhook has no ready endpoint"),
    "service-missing": ("critical", "Webhook service does not exist"),
    "cert-expired": ("critical", "Webhook CA bundle holds an expired certificate"),
    "cert-expiring": ("high", "Webhook CA bundle certificate expires within 30 days"),
    "cert-invalid": ("high", "Webhook caBundle is not a PEM certificate bundle"),
    "covers-kube-system": ("high", "Fail-closed webhook covers kube-system"),
    "covers-own-namespace": ("high", "Fail-closed webhook covers its own namespace"),
    "single-replica": ("high", "Fail-closed webhook runs a single replica"),
    "no-pdb": ("medium", "Webhook workload has no PodDisruptionBudget"),
    "timeout-long": ("medium", "Webhook timeout is long"),
    "broad-scope": ("medium", "Webhook matches every resource"),
    "side-effects": ("low", "Webhook declares side effects"),
    "calling-errors": ("high", "API server failed to call the webhook (metrics)"),
    "fail-open-events": ("high", "Fail-open webhook was skipped after errors (metrics)"),
    "slow-webhook": ("medium", "Webhook p99 latency is above half its timeout"),
    "migratable": ("info", "Converts fully to ValidatingAdmissionPolicy"),
    "call-failures": ("high", "Logs, audit events or Events record failed calls"),
    "no-resource-requests": ("medium", "Webhook pods have no CPU/memory requests"),
    "shared-namespace": ("low", "Webhook service runs in the default namespace"),
}


def severity_of(finding_id: str) -> str:
    return FINDING_IDS[finding_id][0]


@dataclass
class Finding:
    id: str
    target: str
    message: str
    evidence: dict[str, Any] | None = None

    @property
    def severity(self) -> str:
        return severity_of(self.id)

    def sort_key(self) -> tuple:
        return (SEVERITY_RANK[self.severity], self.target, self.id)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "severity": self.severity, "target": self.target, "message": self.message}
        if self.evidence is not None:
            out["evidence"] = self.evidence
        return out


@dataclass
class ServiceRef:
    namespace: str
    name: str
    port: int | None = None
    path: str | None = None

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass
class Webhook:
    """One webhook of a Validating/MutatingWebhookConfiguration, with the API version's defaults applied."""

    kind: str  # ValidatingWebhookConfiguration | MutatingWebhookConfiguration
    configuration: str
    name: str
    api_version: str
    spec: dict  # the webhook entry as written
    config_labels: dict[str, str]
    failure_policy: str
    timeout_seconds: int
    side_effects: str | None
    match_policy: str
    service: ServiceRef | None
    url: str | None
    ca_bundle: str | None
    source: str = ""
    line: int = 0
    migratable: str = "unknown"
    migratable_reason: str = ""
    findings: list[Finding] = field(default_factory=list)

    @property
    def target(self) -> str:
        return f"{self.kind}/{self.configuration}/{self.name}"

    @property
    def fail_closed(self) -> bool:
        return self.failure_policy == "Fail"

    @property
    def rules(self) -> list[dict]:
        rules = self.spec.get("rules")
        return [r for r in rules if isinstance(r, dict)] if isinstance(rules, list) else []

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "configuration": self.configuration,
            "webhook": self.name,
            "failurePolicy": self.failure_policy,
            "timeoutSeconds": self.timeout_seconds,
            "service": str(self.service) if self.service else None,
            "url": self.url,
            "migratable": self.migratable,
            "findings": [f.to_json() for f in sorted(self.findings, key=Finding.sort_key)],
        }


@dataclass
class RuleResult:
    name: str
    status: str  # converted | partial | unsupported | unknown
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "reason": self.reason}


@dataclass
class KyvernoPolicy:
    """A Kyverno ClusterPolicy/Policy and how far it converts."""

    kind: str
    name: str
    namespace: str | None
    obj: dict
    source: str
    line: int = 0
    failure_policy: str = "Fail"
    migratable: str = "unknown"
    rules: list[RuleResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def target(self) -> str:
        return f"Policy/{self.namespace}/{self.name}" if self.kind == "Policy" else f"{self.kind}/{self.name}"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "namespace": self.namespace,
            "migratable": self.migratable,
            "rules": [r.to_json() for r in self.rules],
            "findings": [f.to_json() for f in sorted(self.findings, key=Finding.sort_key)],
        }


@dataclass
class Analysis:
    webhooks: list[Webhook]
    policies: list[KyvernoPolicy]
    findings: list[Finding]

    def by_severity(self) -> dict[str, int]:
        counts = {s: 0 for s in SEVERITIES}
        for f in self.findings:
            counts[f.severity] += 1
        return counts

    def worst_rank(self) -> int | None:
        return min((SEVERITY_RANK[f.severity] for f in self.findings), default=None)

    def to_json(self) -> dict[str, Any]:
        return {
            "webhooks": [w.to_json() for w in self.webhooks],
            "policies": [p.to_json() for p in self.policies],
            "findings": [f.to_json() for f in self.findings],
            "summary": {
                "webhooks": len(self.webhooks),
                "policies": len(self.policies),
                "by_severity": self.by_severity(),
            },
        }
