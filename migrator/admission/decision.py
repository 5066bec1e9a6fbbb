"""Decisions as plain data (validating/policy_decision.go), and the decision for a whole request."""

from __future__ import annotations

from dataclasses import dataclass, field

ADMIT = "admit"
DENY = "deny"

EVAL_ADMIT = "admit"
EVAL_DENY = "deny"
EVAL_ERROR = "error"

ANNOTATION_PUBLISH = "publish"
ANNOTATION_ERROR = "error"
ANNOTATION_EXCLUDE = "exclude"


@dataclass(frozen=True)
class PolicyDecision:
    """The outcome of one validation (or one failure before validations ran) for one policy x binding x param.

    index is the validation's position in spec.validations, None for errors that are not about one validation
    (match conditions, configuration, audit annotations).
    """

    action: str  # ADMIT / DENY
    evaluation: str  # EVAL_ADMIT / EVAL_DENY / EVAL_ERROR
    message: str = ""
    reason: str = ""
    index: int | None = None


@dataclass(frozen=True)
class AuditAnnotationResult:
    key: str
    action: str  # ANNOTATION_PUBLISH / ANNOTATION_ERROR / ANNOTATION_EXCLUDE
    value: str = ""
    error: str = ""


@dataclass
class ValidateResult:
    decisions: list[PolicyDecision] = field(default_factory=list)
    audit_annotations: list[AuditAnnotationResult] = field(default_factory=list)


@dataclass(frozen=True)
class Violation:
    """A failed validation (or an error handled as one) and what its binding does with it.

    validation: index in spec.validations, or None when the violation is an error outside one validation.
    actions: the binding's validationActions that applied (configuration errors always deny).
    """

    policy: str
    binding: str | None
    validation: int | None
    actions: tuple[str, ...]
    message: str
    reason: str
    error: bool = False

    def to_json(self) -> dict:
        return {
            "policy": self.policy,
            "binding": self.binding,
            "validation": self.validation,
            "actions": list(self.actions),
            "message": self.message,
            "reason": self.reason,
        }


@dataclass
class PolicyOutcome:
    """What one policy did to one request (for per-policy summaries)."""

    matched: bool = False
    denied: bool = False
    warned: bool = False
    audited: bool = False
    errors: int = 0


@dataclass
class AdmissionDecision:
    """The decision for one request: allowed or not, with everything the API server would report."""

    allowed: bool = True
    message: str | None = None  # what the user sees when denied (the first denial, as the API server formats it)
    reason: str | None = None  # status reason of the denial (Invalid, Forbidden, ...)
    code: int | None = None  # HTTP status code of the denial
    violations: list[Violation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    audit_annotations: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    policies: dict[str, PolicyOutcome] = field(default_factory=dict)
