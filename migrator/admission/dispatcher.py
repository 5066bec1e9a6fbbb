"""The loop over policies and bindings for one request (validating/dispatcher.go), and the request's decision.

For each policy whose matchConstraints match, each binding whose matchResources match, each param the
binding selects: run the validator, then apply the binding's validationActions (Deny, Warn, Audit) to every
failed validation. Configuration errors (params not found with Deny, namespaced params for a cluster-scoped
request) follow the policy's failurePolicy. The first denial gives the message the user sees.
Policies are visited in name order and bindings in name order, so the result is deterministic.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable

from migrator.admission import decision as d
from migrator.admission.attributes import Attributes
from migrator.admission.matching import MatchResult, matches
from migrator.admission.namespaces import NamespaceStore
from migrator.admission.params import ParamError, ParamStore
from migrator.admission.validator import ExpressionError, Validator
from migrator.sources.vap import Binding, Policy, PolicySet

ADMISSION_CONFIG_RESOURCES = {
    ("admissionregistration.k8s.io", "validatingadmissionpolicies"),
    ("admissionregistration.k8s.io", "validatingadmissionpolicybindings"),
    ("admissionregistration.k8s.io", "mutatingadmissionpolicies"),
    ("admissionregistration.k8s.io", "mutatingadmissionpolicybindings"),
}
VALIDATION_FAILURE_ANNOTATION = "validation.policy.admission.k8s.io/validation_failure"
MAX_VALIDATION_FAILURES = 50
MAX_AUDIT_ANNOTATION_VALUE = 10 * 1024
_REASON_CODES = {"Forbidden": 403, "Unauthorized": 401, "RequestEntityTooLarge": 413, "Invalid": 422}


@dataclass
class PolicyHook:
    """A policy, compiled, with its bindings (name order)."""

    policy: Policy
    validator: Validator
    bindings: list[Binding] = field(default_factory=list)


@dataclass
class _Denial:
    policy: str
    binding: str | None
    message: str
    reason: str


def default_authorizer() -> Any:
    """The API server always has an authorizer; without rules, every check is allowed."""
    try:
        from migrator.cel.library.authz import load_authorizer
    except ImportError:  # pragma: no cover - a CEL environment without the authz library
        return None
    return load_authorizer(None)


def is_exempt(attrs: Attributes) -> bool:
    """Admission configuration resources are never evaluated by API-based policies (no circular dependency)."""
    return (attrs.resource.group, attrs.resource.resource) in ADMISSION_CONFIG_RESOURCES


def policy_matches(policy: Policy, attrs: Attributes, namespaces: NamespaceStore) -> MatchResult:
    """policy_matcher.DefinitionMatches."""
    return matches(policy.match_constraints, attrs, namespaces)


def binding_matches(binding: Binding, attrs: Attributes, namespaces: NamespaceStore) -> bool:
    """policy_matcher.BindingMatches: no matchResources matches every request the policy matched."""
    if binding.match_resources is None:
        return True
    return matches(binding.match_resources, attrs, namespaces).matches


class Dispatcher:
    """Decides requests against a fixed set of compiled policies, params and namespaces."""

    def __init__(
        self,
        hooks: list[PolicyHook],
        params: ParamStore | None = None,
        namespaces: NamespaceStore | None = None,
        authorizer: Any = None,
    ) -> None:
        self.hooks = sorted(hooks, key=lambda h: h.policy.name)
        self.params = params or ParamStore()
        self.namespaces = namespaces or NamespaceStore()
        self.authorizer = authorizer if authorizer is not None else default_authorizer()

    @property
    def compile_errors(self) -> list[ExpressionError]:
        return [e for h in self.hooks for e in h.validator.compile_errors]

    def dispatch(self, request: dict) -> d.AdmissionDecision:
        """The decision for one AdmissionRequest (the `request` of an AdmissionReview)."""
        attrs = request if isinstance(request, Attributes) else Attributes(request)
        result = d.AdmissionDecision()
        if is_exempt(attrs):
            return result
        denials: list[_Denial] = []
        failures: list[dict] = []

        def config_error(policy: Policy, binding: Binding | None, message: str) -> None:
            outcome = result.policies.setdefault(policy.name, d.PolicyOutcome())
            outcome.errors += 1
            text = f"failed to configure {'binding' if binding else 'policy'}: {message}"
            result.errors.append(_describe(policy.name, binding.name if binding else None, text))
            if policy.failure_policy == "Ignore":
                return
            outcome.denied = True
            denials.append(_Denial(policy.name, binding.name if binding else None, text, ""))
            result.violations.append(d.Violation(policy.name, binding.name if binding else None, None, ("Deny",), text, "Invalid", True))

        authz = self._authorizer_entries(attrs)
        # The Namespace object itself has no namespaceObject (the API server unsets it).
        ns_name = attrs.namespace
        if attrs.kind.kind == "Namespace" and attrs.kind.group == "" and attrs.kind.version == "v1":
            ns_name = ""
        for hook in self.hooks:
            policy = hook.policy
            matched = policy_matches(policy, attrs, self.namespaces)
            if not matched.matches:
                continue
            annotations: dict[str, list[str]] = {}
            for binding in hook.bindings:
                if not binding_matches(binding, attrs, self.namespaces):
                    continue
                outcome = result.policies.setdefault(policy.name, d.PolicyOutcome())
                outcome.matched = True
                try:
                    params = self.params.collect(policy.param_kind, binding.param_ref, attrs.namespace)
                except ParamError as exc:
                    config_error(policy, binding, str(exc))
                    continue
                namespace_object = self.namespaces.cel(ns_name) if ns_name else None
                for param in params:
                    validated = hook.validator.validate(
                        object=attrs.object_cel,
                        old_object=attrs.old_object_cel,
                        request=attrs.request_cel(matched.resource, matched.kind),
                        namespace_object=namespace_object,
                        params=self.params.cel(param) if param is not None else None,
                        authorizer=authz,
                    )
                    self._apply(result, outcome, policy, binding, validated, denials, failures, annotations)
            for key, values in annotations.items():
                result.audit_annotations[f"{policy.name}/{key}"] = values[0] if len(values) == 1 else ", ".join(values)

        if failures:
            result.audit_annotations[VALIDATION_FAILURE_ANNOTATION] = go_json(failures[:MAX_VALIDATION_FAILURES])
        if denials:
            first = denials[0]
            if first.binding is not None:
                message = f"ValidatingAdmissionPolicy '{first.policy}' with binding '{first.binding}' denied request: {first.message}"
            else:
                message = f"ValidatingAdmissionPolicy '{first.policy}' denied request: {first.message}"
            result.allowed = False
            result.message = message
            result.reason = first.reason or "Invalid"
            result.code = _REASON_CODES.get(result.reason, 422)
        return result

    def _authorizer_entries(self, attrs: Attributes) -> dict[str, Any] | None:
        """`authorizer` bound to the request's user, `authorizer.requestResource` to its resource
        (library.NewAuthorizerVal / NewResourceAuthorizerVal)."""
        if self.authorizer is None:
            return None
        return self.authorizer.for_request(
            {
                "userInfo": attrs.user_info,
                "resource": attrs.resource._asdict(),
                "subResource": attrs.subresource,
                "namespace": attrs.namespace,
                "name": attrs.name,
            }
        )

    @staticmethod
    def _apply(
        result: d.AdmissionDecision,
        outcome: d.PolicyOutcome,
        policy: Policy,
        binding: Binding,
        validated: d.ValidateResult,
        denials: list[_Denial],
        failures: list[dict],
        annotations: dict[str, list[str]],
    ) -> None:
        """Turn one validation result into denials, warnings and audit entries per the binding's actions."""
        for decision in validated.decisions:
            if decision.evaluation == d.EVAL_ERROR:
                outcome.errors += 1
                result.errors.append(_describe(policy.name, binding.name, decision.message))
            if decision.action != d.DENY:
                continue
            actions = binding.validation_actions
            result.violations.append(
                d.Violation(
                    policy.name, binding.name, decision.index, actions, decision.message,
                    decision.reason or "Invalid", decision.evaluation == d.EVAL_ERROR,
                )
            )
            for action in actions:
                if action == "Deny":
                    outcome.denied = True
                    denials.append(_Denial(policy.name, binding.name, decision.message, decision.reason))
                elif action == "Audit":
                    outcome.audited = True
                    failures.append(
                        {
                            "message": decision.message,
                            "policy": binding.policy_name,
                            "binding": binding.name,
                            "expressionIndex": decision.index if decision.index is not None else 0,
                            "validationActions": list(actions),
                        }
                    )
                elif action == "Warn":
                    outcome.warned = True
                    result.warnings.append(
                        f"Validation failed for ValidatingAdmissionPolicy '{policy.name}' with binding '{binding.name}': {decision.message}"
                    )
        for annotation in validated.audit_annotations:
            if annotation.action == d.ANNOTATION_PUBLISH:
                value = annotation.value[:MAX_AUDIT_ANNOTATION_VALUE]
                values = annotations.setdefault(annotation.key, [])
                if value not in values:
                    values.append(value)
            elif annotation.action == d.ANNOTATION_ERROR:
                outcome.errors += 1
                outcome.denied = True
                result.errors.append(_describe(policy.name, binding.name, annotation.error))
                denials.append(_Denial(policy.name, binding.name, annotation.error, ""))
                result.violations.append(d.Violation(policy.name, binding.name, None, ("Deny",), annotation.error, "Invalid", True))
            elif annotation.error:  # excluded because failurePolicy is Ignore: still worth reporting
                outcome.errors += 1
                result.errors.append(_describe(policy.name, binding.name, annotation.error))


_GO_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def go_json(value: Any) -> str:
    """JSON as Go's encoding/json.Marshal writes it: compact, UTF-8 kept, <, >, &, U+2028 and U+2029 escaped."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for raw, escaped in _GO_JSON_ESCAPES.items():
        text = text.replace(raw, escaped)
    return text


def _describe(policy: str, binding: str | None, message: str) -> str:
    if binding is None:
        return f"ValidatingAdmissionPolicy '{policy}': {message}"
    return f"ValidatingAdmissionPolicy '{policy}' with binding '{binding}': {message}"


def build_dispatcher(
    policy_set: PolicySet,
    *,
    params: Iterable[Any] = (),
    namespaces: Iterable[Any] = (),
    authorizer: Any = None,
) -> Dispatcher:
    """Compile every policy once and pair it with its bindings."""
    hooks = []
    for name in sorted(policy_set.policies):
        policy = policy_set.policies[name]
        hooks.append(PolicyHook(policy, Validator(policy), policy_set.bindings_for(name)))
    return Dispatcher(hooks, ParamStore(params), NamespaceStore(namespaces), authorizer)
