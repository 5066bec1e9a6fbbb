"""A ValidatingWebhookConfiguration -> per webhook, a ValidatingAdmissionPolicy + binding scaffold.

The webhook's logic is code we cannot read, so the scaffold keeps its *scope* exactly (rules ->
matchConstraints.resourceRules, namespaceSelector, objectSelector, matchPolicy, matchConditions copied as they are,
failurePolicy) and carries one clearly marked placeholder validation (`true`: admits everything) that the user
replaces with CEL. Status is `partial` with that reason. `migrator verify` against AdmissionReviews recorded from
the webhook then shows where the user's CEL and the webhook disagree.
"""

from __future__ import annotations

from typing import Any, Iterable

from migrator.errors import InputError
from migrator.sources.documents import Document
from migrator.translate.kyverno.actions import STAGED
from migrator.translate.kyverno.scope import Unsupported
from migrator.translate.model import PARTIAL, UNSUPPORTED, PolicyConversion, RuleStatus
from migrator.translate.objects import binding_object, check_objects, object_name, policy_object

WEBHOOK_KINDS = ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration")
WEBHOOK_API_VERSIONS = ("admissionregistration.k8s.io/v1", "admissionregistration.k8s.io/v1beta1")
# failurePolicy and matchPolicy defaults of each webhook API version
DEFAULTS = {
    "admissionregistration.k8s.io/v1": {"failurePolicy": "Fail", "matchPolicy": "Equivalent"},
    "admissionregistration.k8s.io/v1beta1": {"failurePolicy": "Ignore", "matchPolicy": "Exact"},
}
RULE_FIELDS = ("apiGroups", "apiVersions", "operations", "resources", "scope")
PLACEHOLDER_EXPRESSION = "true"
PLACEHOLDER_MESSAGE = (
    "MIGRATOR PLACEHOLDER: replace this validation with CEL that rejects what webhook {webhook!r} rejects "
    "(it admits everything until you do)"
)
PLACEHOLDER_REASON = (
    "scaffold: the webhook's scope is kept exactly, its logic is code; replace the placeholder validation "
    "(expression: true) with CEL, then check it with `migrator verify` against AdmissionReviews recorded from the webhook"
)
ANNOTATION_SOURCE = "migrator.io/source"
ANNOTATION_WEBHOOK = "migrator.io/webhook"
ANNOTATION_PLACEHOLDER = "migrator.io/placeholder"
def convert_webhook_configuration(doc: Document, mode: str = "keep") -> list[PolicyConversion]:
    """One PolicyConversion per webhook of a Validating(/Mutating)WebhookConfiguration document.

    mode: convert's --action; keep gives the bindings [Deny] (the placeholder admits everything), a stage forces it.
    """
    obj = doc.obj
    if not isinstance(obj, dict):
        raise InputError(doc.path, "not a mapping", doc.where)
    kind = obj.get("kind")
    api_version = obj.get("apiVersion")
    if kind not in ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"):
        raise InputError(doc.path, f"expected a ValidatingWebhookConfiguration, got kind {kind!r}", doc.where)
    if api_version not in WEBHOOK_API_VERSIONS:
        raise InputError(doc.path, f"unsupported apiVersion {api_version!r} for {kind}", doc.where)
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    configuration = meta.get("name")
    if not isinstance(configuration, str) or not configuration:
        raise InputError(doc.path, f"{kind} without metadata.name", doc.where)
    webhooks = obj.get("webhooks") or []
    if not isinstance(webhooks, list):
        raise InputError(doc.path, "webhooks must be a list", f"{doc.where}, webhooks")
    out: list[PolicyConversion] = []
    for i, webhook in enumerate(webhooks):
        where = f"{doc.where}, webhooks[{i}]"
        if not isinstance(webhook, dict) or not isinstance(webhook.get("name"), str) or not webhook["name"]:
            raise InputError(doc.path, "a webhook needs a name", where)
        if kind == "MutatingWebhookConfiguration":
            out.append(
                PolicyConversion(
                    source=doc.ref,
                    name=webhook["name"],
                    kind=kind,
                    rules=[
                        RuleStatus(
                            webhook["name"],
                            UNSUPPORTED,
                            "mutating webhook: a ValidatingAdmissionPolicy cannot change objects",
                        )
                    ],
                )
            )
            continue
        out.append(_scaffold(doc, api_version, configuration, webhook, where, STAGED.get(mode, ["Deny"])))
    return out


def is_webhook_configuration(obj: Any) -> bool:
    """A document `convert_webhook_configuration` takes (for `convert` to dispatch on)."""
    return isinstance(obj, dict) and obj.get("kind") in WEBHOOK_KINDS and obj.get("apiVersion") in WEBHOOK_API_VERSIONS


def convert_webhook_documents(docs: Iterable[Document]) -> list[PolicyConversion]:
    """Every webhook configuration among `docs`, converted; other documents are ignored."""
    out: list[PolicyConversion] = []
    for doc in docs:
        if is_webhook_configuration(doc.obj):
            out.extend(convert_webhook_configuration(doc))
    return out


def _copy_rule(rule: Any, doc: Document, where: str) -> dict[str, Any]:
    if not isinstance(rule, dict):
        raise InputError(doc.path, "a rule must be a mapping", where)
    return {key: rule[key] for key in RULE_FIELDS if key in rule}


def _scaffold(
    doc: Document, api_version: str, configuration: str, webhook: dict, where: str, actions: list[str]
) -> PolicyConversion:
    name = object_name(configuration, None, webhook["name"])
    defaults = DEFAULTS[api_version]
    rules = webhook.get("rules") or []
    if not isinstance(rules, list):
        raise InputError(doc.path, "rules must be a list", f"{where}, rules")
    constraints: dict[str, Any] = {
        "resourceRules": [_copy_rule(r, doc, f"{where}, rules[{j}]") for j, r in enumerate(rules)],
    }
    for key in ("namespaceSelector", "objectSelector"):
        if key in webhook and webhook[key] is not None:
            constraints[key] = webhook[key]
    constraints["matchPolicy"] = webhook.get("matchPolicy") or defaults["matchPolicy"]
    spec: dict[str, Any] = {"failurePolicy": webhook.get("failurePolicy") or defaults["failurePolicy"]}
    spec["matchConstraints"] = constraints
    if webhook.get("matchConditions"):
        spec["matchConditions"] = webhook["matchConditions"]
    spec["validations"] = [
        {"expression": PLACEHOLDER_EXPRESSION, "message": PLACEHOLDER_MESSAGE.format(webhook=webhook["name"])}
    ]
    annotations = {
        ANNOTATION_SOURCE: doc.ref,
        ANNOTATION_WEBHOOK: f"ValidatingWebhookConfiguration/{configuration}/{webhook['name']}",
        ANNOTATION_PLACEHOLDER: "spec.validations[0] is a placeholder: replace it with the webhook's logic in CEL",
    }
    objects = [
        policy_object(name, annotations, spec),
        binding_object(name, name, actions, annotations),
    ]
    notes = []
    if webhook.get("timeoutSeconds") is not None:
        notes.append("timeoutSeconds dropped: a ValidatingAdmissionPolicy runs in the API server with a CEL cost budget")
    if not rules:
        notes.append("the webhook has no rules, so the policy matches nothing")
    conversion = PolicyConversion(source=doc.ref, name=name, kind="ValidatingWebhookConfiguration", notes=notes)
    try:
        check_objects(objects)  # copied matchConditions must compile; the objects must validate
    except Unsupported as exc:
        conversion.rules.append(RuleStatus(webhook["name"], UNSUPPORTED, exc.reason))
        return conversion
    conversion.rules.append(RuleStatus(webhook["name"], PARTIAL, PLACEHOLDER_REASON, [name]))
    conversion.objects = objects
    return conversion
