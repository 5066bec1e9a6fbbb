"""Can it move to ValidatingAdmissionPolicy? Kyverno policies by their rules' conversion statuses from the
translator (migrator.translate), a Kyverno-managed webhook by the policies it serves, any other webhook: `unknown`
(its logic is code we cannot see).
"""

from __future__ import annotations

import importlib
from typing import Any, Callable

from migrator.analyze.context import Context
from migrator.analyze.model import Finding, KyvernoPolicy, RuleResult, Webhook
from migrator.sources.documents import Document

NON_VALIDATE_RULE_KINDS = ("mutate", "generate", "verifyImages")
KYVERNO_MANAGED_LABEL = ("webhook.kyverno.io/managed-by", "kyverno")
# where the translator's entry point `convert_documents(docs) -> list[PolicyConversion]` may live
CONVERTER_MODULES = ("migrator.translate", "migrator.translate.kyverno.policy", "migrator.translate.kyverno")


def find_converter() -> Callable[[list[Document]], list[Any]] | None:
    for name in CONVERTER_MODULES:
        try:
            module = importlib.import_module(name)
        except Exception:  # noqa: BLE001 - absent or broken translator: policies become `unknown`, analysis goes on
            continue
        fn = getattr(module, "convert_documents", None)
        if callable(fn):
            return fn
    return None


# --------------------------------------------------------------------------------------------------------------
# Kyverno policies


def _rules(policy: KyvernoPolicy) -> list[dict]:
    spec = policy.obj.get("spec") if isinstance(policy.obj.get("spec"), dict) else {}
    rules = spec.get("rules")
    return [r for r in rules if isinstance(r, dict)] if isinstance(rules, list) else []


def rule_kind(rule: dict) -> str:
    for kind in ("validate", *NON_VALIDATE_RULE_KINDS):
        if rule.get(kind):
            return kind
    return "unknown"


def is_plain_cel_rule(rule: dict) -> bool:
    """A `validate.cel` rule holding only `expressions` (and `message`), with a match that names no users or
    roles and no context or preconditions: it always converts (the contract says so; it is CEL already)."""
    if set(rule) - {"name", "match", "exclude", "validate", "skipBackgroundRequests"}:
        return False
    validate = rule.get("validate")
    if not isinstance(validate, dict) or set(validate) - {"cel", "message", "failureAction", "allowExistingViolations"}:
        return False
    cel = validate.get("cel")
    if not isinstance(cel, dict) or set(cel) != {"expressions"} or not cel["expressions"]:
        return False
    for block_name in ("match", "exclude"):
        block = rule.get(block_name)
        if block and any(key in str(block) for key in ("roles", "clusterRoles", "subjects")):
            return False
    return True


def classify_policy(policy: KyvernoPolicy, conversion: Any | None, error: str | None) -> None:
    """Fill `policy.rules` and `policy.migratable` from the translator's conversion (or its absence)."""
    statuses: dict[str, tuple[str, str]] = {}
    if conversion is not None:
        for r in getattr(conversion, "rules", []):
            statuses[str(r.name)] = (str(r.status), str(getattr(r, "reason", "") or ""))
    results: list[RuleResult] = []
    for index, rule in enumerate(_rules(policy)):
        name = str(rule.get("name") or f"rule-{index}")
        kind = rule_kind(rule)
        if kind in NON_VALIDATE_RULE_KINDS:
            status, reason = statuses.get(name, ("unsupported", ""))
            if status == "converted":
                status = "unsupported"
            results.append(RuleResult(name, status, reason or f"{kind} rules have no ValidatingAdmissionPolicy equivalent"))
        elif is_plain_cel_rule(rule):
            results.append(RuleResult(name, "converted", ""))
        elif name in statuses:
            results.append(RuleResult(name, *statuses[name]))
        else:
            results.append(RuleResult(name, "unknown", error or "not converted (translator unavailable)"))
    # autogen and other rules the translator reports beyond the written ones count too
    written = {r.name for r in results}
    for name, (status, reason) in statuses.items():
        if name not in written:
            results.append(RuleResult(name, status, reason))
    policy.rules = results
    policy.migratable = migratable_of([r.status for r in results])


def migratable_of(statuses: list[str]) -> str:
    """yes: every rule converted; no: none converted at all; partial: some did; unknown: we could not tell."""
    if not statuses or "unknown" in statuses:
        return "unknown"
    if all(s == "converted" for s in statuses):
        return "yes"
    if all(s == "unsupported" for s in statuses):
        return "no"
    return "partial"


def convert_policies(ctx: Context) -> None:
    converter = find_converter()
    for policy in ctx.policies:
        conversion, error = None, None
        if converter is not None:
            doc = Document(policy.source, 0, 0, policy.obj)
            try:
                found = converter([doc])
            except Exception as exc:  # noqa: BLE001 - a translator failure must not stop the analysis
                error = f"translator failed: {exc}"
                found = []
            for c in found or []:
                if getattr(c, "name", None) == policy.name:
                    conversion = c
                    break
        classify_policy(policy, conversion, error)


# --------------------------------------------------------------------------------------------------------------
# Webhooks


def is_kyverno_webhook(wh: Webhook) -> bool:
    key, value = KYVERNO_MANAGED_LABEL
    return (
        wh.config_labels.get(key) == value
        or wh.configuration.startswith("kyverno-")
        or ".kyverno.svc" in wh.name
    )


def _served_by_validate(rule: dict) -> bool:
    mutate = rule.get("mutate")
    mutate_existing = isinstance(mutate, dict) and bool(mutate.get("targets"))
    return bool(rule.get("validate") or rule.get("generate") or rule.get("verifyImages") or mutate_existing)


def _served_by_mutate(rule: dict) -> bool:
    mutate = rule.get("mutate")
    mutate_standard = bool(mutate) and not (isinstance(mutate, dict) and mutate.get("targets"))
    return bool(mutate_standard or rule.get("verifyImages"))


def served_policies(ctx: Context, wh: Webhook) -> list[KyvernoPolicy] | None:
    """The Kyverno policies a Kyverno resource webhook serves; None for Kyverno's own webhooks (policy validation,
    exceptions, cleanup, ...), which serve no policy of the user's.

    As Kyverno's webhook controller builds them (pkg/controllers/webhook): `validate.kyverno.svc-fail` / `-ignore`
    serve the policies with that failurePolicy (`spec.webhookConfiguration.failurePolicy`, else
    `spec.failurePolicy`, else Fail) that validate, generate, mutate existing resources or verify images;
    `mutate.kyverno.svc-*` those that mutate or verify images; `...-finegrained-<policy>` (`<namespace>-<name>` for a
    Policy) that one policy, which then no shared webhook serves (Kyverno makes one for each policy with
    `spec.webhookConfiguration.matchConditions`). Policies with `spec.admission: false` are not served. Kyverno's prefixed webhooks for
    its CEL policy types (vpol., gpol., ...) serve policies analyze does not list.
    """
    name = wh.name
    if name.startswith("validate.kyverno.svc"):
        wanted = _served_by_validate
    elif name.startswith("mutate.kyverno.svc"):
        wanted = _served_by_mutate
    else:
        return None
    suffix = name.split(".kyverno.svc", 1)[1]
    failure = None
    if suffix.startswith("-fail"):
        failure = "Fail"
    elif suffix.startswith("-ignore"):
        failure = "Ignore"
    finegrained = suffix.split("-finegrained-", 1)[1] if "-finegrained-" in suffix else None
    out = []
    for policy in ctx.policies:
        spec = policy.obj.get("spec") if isinstance(policy.obj.get("spec"), dict) else {}
        if spec.get("admission") is False:
            continue
        key = f"{policy.namespace}-{policy.name}" if policy.kind == "Policy" else policy.name
        if finegrained is not None and finegrained != key:
            continue
        custom = spec.get("webhookConfiguration") if isinstance(spec.get("webhookConfiguration"), dict) else {}
        if finegrained is None and custom.get("matchConditions"):
            continue  # policies with their own match conditions get a fine-grained webhook of their own
        if failure is not None and policy.failure_policy != failure:
            continue
        if any(wanted(r) for r in _rules(policy)):
            out.append(policy)
    return out


def classify_webhooks(ctx: Context) -> None:
    for wh in ctx.webhooks:
        if not is_kyverno_webhook(wh):
            wh.migratable, wh.migratable_reason = "unknown", "its logic is code; convert it with a scaffold and write the CEL"
            continue
        served = served_policies(ctx, wh)
        if served is None:
            wh.migratable, wh.migratable_reason = "unknown", "Kyverno's own webhook; it goes away with Kyverno"
            continue
        if not served:
            wh.migratable, wh.migratable_reason = "unknown", "no Kyverno policy it serves is in the input"
            continue
        statuses = {p.migratable for p in served}
        if statuses == {"yes"}:
            wh.migratable = "yes"
        elif statuses == {"no"}:
            wh.migratable = "no"
        elif "unknown" in statuses and statuses <= {"unknown", "yes"}:
            wh.migratable = "unknown"
        else:
            wh.migratable = "partial"
        wh.migratable_reason = ", ".join(f"{p.target}: {p.migratable}" for p in served)


def check(ctx: Context) -> list[Finding]:
    convert_policies(ctx)
    classify_webhooks(ctx)
    findings: list[Finding] = []
    for policy in ctx.policies:
        if policy.migratable == "yes":
            findings.append(
                Finding(
                    "migratable",
                    policy.target,
                    f"all {len(policy.rules)} rule(s) convert to ValidatingAdmissionPolicy: run `migrator convert "
                    f"{policy.source}` and `migrator verify`, roll out with validationActions [Audit] then [Deny], then "
                    f"delete the Kyverno policy.",
                )
            )
    for wh in ctx.webhooks:
        if wh.migratable == "yes":
            findings.append(
                Finding(
                    "migratable",
                    wh.target,
                    f"every Kyverno policy this webhook serves converts fully ({wh.migratable_reason}): once they run "
                    f"as ValidatingAdmissionPolicies, this webhook has nothing left to do.",
                )
            )
    return findings
