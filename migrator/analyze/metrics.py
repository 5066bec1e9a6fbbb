"""Checks on the API server's admission webhook metrics (one or more /metrics scrapes, one per API server)."""

from __future__ import annotations

import math

from migrator.analyze.context import Context
from migrator.analyze.model import Finding, Webhook
from migrator.sources.prometheus import Sample, histogram_quantile

REJECTIONS = "apiserver_admission_webhook_rejection_count"
FAIL_OPEN = "apiserver_admission_webhook_fail_open_count"
DURATION = "apiserver_admission_webhook_admission_duration_seconds"
CALLING_ERROR_TYPES = ("calling_webhook_error", "apiserver_internal_error")
MIN_OBSERVATIONS = 20
# the `type` label of the webhook metrics: validating webhooks are "validating", mutating ones "admit"
TYPE_OF_KIND = {"ValidatingWebhookConfiguration": "validating", "MutatingWebhookConfiguration": "admit"}


def _names(base: str) -> tuple[str, ...]:
    return (base, base + "_total")  # exporters that append _total to counters


def sample_is_for(sample: Sample, wh: Webhook) -> bool:
    """Matched by the `name` label; a `type` label restricts to validating or mutating configurations."""
    if sample.labels.get("name") != wh.name:
        return False
    kind_type = sample.labels.get("type")
    return kind_type is None or kind_type == TYPE_OF_KIND.get(wh.kind)


def check(ctx: Context) -> list[Finding]:
    if not ctx.inventory.scrapes:
        return []
    findings: list[Finding] = []
    for wh in ctx.webhooks:
        findings += calling_errors(ctx, wh)
        findings += fail_open_events(ctx, wh)
        findings += slow_webhook(ctx, wh)
    return findings


def _samples(ctx: Context, wh: Webhook, *names: str) -> list[tuple[str, Sample]]:
    return [(src, s) for src, s in ctx.samples_named(wh.name, *names) if sample_is_for(s, wh)]


def calling_errors(ctx: Context, wh: Webhook) -> list[Finding]:
    hits = [
        (src, s)
        for src, s in _samples(ctx, wh, *_names(REJECTIONS))
        if s.labels.get("error_type") in CALLING_ERROR_TYPES and s.value > 0
    ]
    if not hits:
        return []
    by_type: dict[str, float] = {}
    for _src, s in hits:
        by_type[s.labels["error_type"]] = by_type.get(s.labels["error_type"], 0.0) + s.value
    detail = ", ".join(f"{t}={int(v) if float(v).is_integer() else v}" for t, v in sorted(by_type.items()))
    servers = len({src for src, _ in hits})
    return [
        Finding(
            "calling-errors",
            wh.target,
            f"{REJECTIONS} shows failed calls to the webhook ({detail}, on {servers} API server scrape(s)): requests were "
            f"rejected because the API server could not reach it or got no valid answer. Check the webhook's pods, "
            f"Service endpoints and certificate; keep timeoutSeconds below the server's latency budget "
            f"(e.g. timeoutSeconds: 3) and run 2+ replicas.",
        )
    ]


def fail_open_events(ctx: Context, wh: Webhook) -> list[Finding]:
    hits = [(src, s) for src, s in _samples(ctx, wh, *_names(FAIL_OPEN)) if s.value > 0]
    if not hits:
        return []
    total = sum(s.value for _, s in hits)
    return [
        Finding(
            "fail-open-events",
            wh.target,
            f"{FAIL_OPEN} is {int(total) if float(total).is_integer() else total}: requests were admitted without this "
            f"webhook's check because calling it failed (failurePolicy: Ignore), so its policy was silently not "
            f"enforced. Fix the failing calls (see the API server log for 'failed calling webhook'), and alert on "
            f"this counter; move the logic to a ValidatingAdmissionPolicy to have no call that can fail.",
        )
    ]


def latency_buckets(ctx: Context, wh: Webhook) -> list[tuple[float, float]]:
    """The webhook's latency histogram summed over every scrape and label set, per `le`."""
    sums: dict[float, float] = {}
    for _src, s in _samples(ctx, wh, DURATION + "_bucket"):
        try:
            bound = float(s.labels.get("le", ""))
        except ValueError:
            continue
        sums[bound] = sums.get(bound, 0.0) + s.value
    return sorted(sums.items())


def slow_webhook(ctx: Context, wh: Webhook) -> list[Finding]:
    buckets = latency_buckets(ctx, wh)
    if not buckets or not math.isinf(buckets[-1][0]) or buckets[-1][1] < MIN_OBSERVATIONS:
        return []
    p99 = histogram_quantile(0.99, buckets)
    if math.isnan(p99) or p99 <= wh.timeout_seconds / 2:
        return []
    return [
        Finding(
            "slow-webhook",
            wh.target,
            f"estimated p99 admission latency is {p99:.3g}s over {int(buckets[-1][1])} calls, more than half of its "
            f"{wh.timeout_seconds}s timeout: it is close to timing out, and every matching write waits on it. Give the "
            f"webhook more CPU (resources.requests.cpu) and replicas, narrow its rules/namespaceSelector to what it "
            f"must see, or move the check to a ValidatingAdmissionPolicy (no network call).",
        )
    ]
