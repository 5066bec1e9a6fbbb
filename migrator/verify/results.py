"""One sample's verdict as plain JSON-ready data, and the run's summary, kept incrementally (flat memory)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from migrator.admission.decision import AdmissionDecision
from migrator.sources.samples import Sample


def sample_result(sample: Sample, decision: AdmissionDecision | None) -> dict[str, Any]:
    """The `results[]` entry of `verify --format json` (issue 4 §4), plus `message`: what the user would see."""
    if decision is None:  # the sample could not be read
        return {
            "sample": sample.ref,
            "uid": sample.uid,
            "allowed": None,
            "expected_allowed": sample.expected_allowed,
            "agree": None,
            "message": None,
            "violations": [],
            "warnings": [],
            "audit_annotations": {},
            "errors": [f"{sample.location}: {sample.error}"],
        }
    expected = sample.expected_allowed
    return {
        "sample": sample.ref,
        "uid": sample.uid,
        "allowed": decision.allowed,
        "expected_allowed": expected,
        "agree": None if expected is None else decision.allowed == expected,
        "message": decision.message,
        "violations": [v.to_json() for v in decision.violations],
        "warnings": list(decision.warnings),
        "audit_annotations": dict(decision.audit_annotations),
        "errors": list(decision.errors),
    }


def policy_flags(decision: AdmissionDecision | None) -> dict[str, tuple[bool, bool, bool, bool, int]]:
    """policy -> (matched, denied, warned, audited, errors): what the summary needs, small enough to ship back
    from worker processes."""
    if decision is None:
        return {}
    return {
        name: (o.matched, o.denied, o.warned, o.audited, o.errors) for name, o in decision.policies.items()
    }


@dataclass
class PolicyStats:
    matched: int = 0
    denied: int = 0
    warned: int = 0
    audited: int = 0
    disagreements: int = 0
    errors: int = 0

    def to_json(self, name: str) -> dict[str, Any]:
        return {"policy": name, **self.__dict__}


@dataclass
class Summary:
    """Counts over every sample (issue 4 §4), per policy (issue 7). `invalid` counts samples that could not be
    read (bad input), which are also counted in `errors`."""

    samples: int = 0
    agree: int = 0
    disagree: int = 0
    no_expectation: int = 0
    errors: int = 0
    invalid: int = 0
    allowed: int = 0
    denied: int = 0
    policies: dict[str, PolicyStats] = field(default_factory=dict)

    def add_policies(self, names: list[str]) -> None:
        for name in names:
            self.policies.setdefault(name, PolicyStats())

    def add(self, result: dict[str, Any], flags: dict[str, tuple[bool, bool, bool, bool, int]], invalid: bool) -> None:
        self.samples += 1
        if result["agree"] is None:
            self.no_expectation += 1
        elif result["agree"]:
            self.agree += 1
        else:
            self.disagree += 1
        if result["errors"]:
            self.errors += 1
        if invalid:
            self.invalid += 1
        elif result["allowed"]:
            self.allowed += 1
        else:
            self.denied += 1
        for name, (matched, denied, warned, audited, errors) in flags.items():
            stats = self.policies.setdefault(name, PolicyStats())
            stats.matched += matched
            stats.denied += denied
            stats.warned += warned
            stats.audited += audited
            stats.errors += 1 if errors else 0
            if result["agree"] is False and matched:
                stats.disagreements += 1

    def to_json(self) -> dict[str, Any]:
        return {
            "samples": self.samples,
            "agree": self.agree,
            "disagree": self.disagree,
            "no_expectation": self.no_expectation,
            "errors": self.errors,
            "invalid_samples": self.invalid,
            "allowed": self.allowed,
            "denied": self.denied,
            "policies": [self.policies[n].to_json(n) for n in sorted(self.policies)],
        }

    @property
    def exit_code(self) -> int:
        """2 when a sample was bad input, else 1 when any sample disagrees, else 0."""
        if self.invalid:
            return 2
        return 1 if self.disagree else 0
