"""What a conversion produces: per-rule status, the generated objects, and the report JSON (issue 5).

Shared by the Kyverno translator and the webhook scaffold (analyze): both emit PolicyConversion.

Status meanings:
  converted   - for every request, the generated objects decide as the source rule does.
  partial     - part of the rule converted; `reason` says what was dropped (the output is weaker or narrower).
  unsupported - nothing was emitted for the rule; `reason` names the construct.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Literal

CONVERTED = "converted"
PARTIAL = "partial"
UNSUPPORTED = "unsupported"
STATUSES = (CONVERTED, PARTIAL, UNSUPPORTED)

Status = Literal["converted", "partial", "unsupported"]


@dataclass
class RuleStatus:
    """How one source rule fared: `outputs` names the generated objects (VAPs, bindings) that carry it."""

    name: str
    status: Status
    reason: str = ""
    outputs: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown rule status {self.status!r}")

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "reason": self.reason, "outputs": list(self.outputs)}


@dataclass
class PolicyConversion:
    """One source policy (or webhook) and what it became.

    source: where it came from (`file` or `file#N` inside a stream); kind: the source kind (ClusterPolicy, Policy,
    ValidatingPolicy, ValidatingWebhookConfiguration, ...); objects: generated ValidatingAdmissionPolicy and
    ValidatingAdmissionPolicyBinding dicts (admissionregistration.k8s.io/v1), policies before their bindings.
    """

    source: str
    name: str
    kind: str
    rules: list[RuleStatus] = field(default_factory=list)
    objects: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def status(self) -> Status:
        """The policy's overall status: converted only when every rule is; unsupported when none produced output."""
        statuses = {r.status for r in self.rules}
        if not statuses or statuses == {UNSUPPORTED}:
            return UNSUPPORTED
        if statuses == {CONVERTED}:
            return CONVERTED
        return PARTIAL

    @property
    def migratable(self) -> bool:
        """True when the generated objects fully replace the source policy."""
        return self.status == CONVERTED

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "name": self.name,
            "kind": self.kind,
            "status": self.status,
            "rules": [r.to_json() for r in self.rules],
        }


def summarize(conversions: Iterable[PolicyConversion]) -> dict[str, Any]:
    """Counts for the report: policies and rules per status, objects emitted, top reasons for unsupported/partial."""
    conversions = list(conversions)
    rules = [r for c in conversions for r in c.rules]
    rule_counts = Counter(r.status for r in rules)
    policy_counts = Counter(c.status for c in conversions)
    reasons = Counter(r.reason for r in rules if r.status != CONVERTED and r.reason)
    return {
        "policies": len(conversions),
        "policies_by_status": {s: policy_counts.get(s, 0) for s in STATUSES},
        "rules": len(rules),
        "rules_by_status": {s: rule_counts.get(s, 0) for s in STATUSES},
        "objects": sum(len(c.objects) for c in conversions),
        "top_reasons": [{"reason": reason, "count": n} for reason, n in reasons.most_common(10)],
    }


def report_json(conversions: Iterable[PolicyConversion]) -> dict[str, Any]:
    """The `--report` document: {"policies": [...], "summary": {...}}."""
    conversions = list(conversions)
    return {"policies": [c.to_json() for c in conversions], "summary": summarize(conversions)}
