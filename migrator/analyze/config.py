"""Checks on a webhook's own configuration: timeout, scope, side effects, where its service runs."""

from __future__ import annotations

from migrator.analyze.context import Context
from migrator.analyze.fields import strings
from migrator.analyze.model import Finding, Webhook


def check(ctx: Context) -> list[Finding]:
    findings: list[Finding] = []
    for wh in ctx.webhooks:
        findings += timeout_long(wh, ctx.options.max_timeout)
        findings += broad_scope(wh)
        findings += side_effects(wh)
        findings += shared_namespace(wh)
    return findings


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def timeout_long(wh: Webhook, max_timeout: float) -> list[Finding]:
    if wh.timeout_seconds <= max_timeout:
        return []
    written = "timeoutSeconds" in wh.spec
    was = f"timeoutSeconds is {wh.timeout_seconds}" if written else f"timeoutSeconds is unset (defaults to {wh.timeout_seconds})"
    suggested = max(1, min(3, int(max_timeout)))
    return [
        Finding(
            "timeout-long",
            wh.target,
            f"{was}, above {_num(max_timeout)}s: every matching request can stall that long when the webhook hangs, "
            f"and controllers retrying behind it pile up. Set timeoutSeconds: {suggested} on webhook {wh.name!r} "
            f"(and make the server answer well within it).",
        )
    ]


def broad_scope(wh: Webhook) -> list[Finding]:
    for rule in wh.rules:
        groups = strings(rule.get("apiGroups"))
        resources = strings(rule.get("resources"))
        if "*" in groups and ("*" in resources or "*/*" in resources):
            which = "*/*" if "*/*" in resources else "*"
            return [
                Finding(
                    "broad-scope",
                    wh.target,
                    f"a rule matches every resource (apiGroups: ['*'], resources: ['{which}']), so the webhook sits in the "
                    f"path of every write in the cluster, leases and events included. List only the apiGroups and "
                    f"resources its logic needs in rules[].apiGroups/resources, and add a namespaceSelector and "
                    f"objectSelector that skip what it never rejects.",
                )
            ]
    return []


def side_effects(wh: Webhook) -> list[Finding]:
    if wh.side_effects not in ("Unknown", "Some"):
        return []
    shown = wh.side_effects if "sideEffects" in wh.spec else f"{wh.side_effects} (the {wh.api_version} default)"
    return [
        Finding(
            "side-effects",
            wh.target,
            f"sideEffects is {shown}: dry-run requests (kubectl --dry-run=server, diff) fail against it. If the "
            f"webhook changes nothing outside the object, set sideEffects: None; otherwise make the side effects "
            f"skip dry-run requests and set sideEffects: NoneOnDryRun.",
        )
    ]


def shared_namespace(wh: Webhook) -> list[Finding]:
    if wh.service is None or wh.service.namespace != "default":
        return []
    return [
        Finding(
            "shared-namespace",
            wh.target,
            f"its service {wh.service} runs in the default namespace, shared with everything else, which the webhook "
            f"cannot exclude from its own scope without excluding all of it. Move the service and its workload to a "
            f"dedicated namespace and add that namespace to a NotIn on kubernetes.io/metadata.name in the "
            f"namespaceSelector.",
        )
    ]
