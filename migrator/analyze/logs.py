"""Failed webhook calls recorded in API server logs, audit events and Event objects (`call-failures`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable

from migrator.analyze.context import Context
from migrator.analyze.fields import integer, mapping, mappings
from migrator.analyze.model import Finding
from migrator.sources.cluster import format_timestamp, parse_timestamp, unescape_quotes

FAILED_CALL = re.compile(r'failed calling webhook "([^"]+)"', re.I)
# (cause, markers): the first cause in this order whose marker is in the text wins
CAUSES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("timeout", ("context deadline exceeded", "Client.Timeout", "i/o timeout")),
    ("tls", ("x509:",)),
    ("no-endpoints", ("no endpoints available",)),
    ("connection-refused", ("connection refused",)),
)
AUDIT_STAGES = ("ResponseComplete", "Panic")
REMEDY = {
    "timeout": "the webhook answered too slowly: give it more CPU and replicas, narrow its rules, or lower its work "
    "per request; keep timeoutSeconds small (e.g. 3) so callers are not stalled",
    "tls": "TLS to the webhook failed: rotate the serving certificate and set clientConfig.caBundle to the CA that signed it",
    "no-endpoints": "its Service had no ready pods: run 2+ replicas with a PodDisruptionBudget and exclude the "
    "webhook's own namespace and kube-system from its namespaceSelector",
    "connection-refused": "nothing listened on the Service's target port: check the pods and the Service's targetPort",
    "other": "see the recorded error text",
}


def classify(text: str) -> str:
    for cause, markers in CAUSES:
        if any(marker in text for marker in markers):
            return cause
    return "other"


@dataclass
class Failures:
    count: int = 0
    by_cause: dict[str, int] = field(default_factory=dict)
    first: datetime | None = None
    last: datetime | None = None

    def add(self, cause: str, count: int, first: datetime | None, last: datetime | None) -> None:
        if count <= 0:
            return
        self.count += count
        self.by_cause[cause] = self.by_cause.get(cause, 0) + count
        for ts in (first, last):
            if ts is None:
                continue
            self.first = ts if self.first is None or ts < self.first else self.first
            self.last = ts if self.last is None or ts > self.last else self.last

    def evidence(self) -> dict[str, Any]:
        order = [c for c, _ in CAUSES] + ["other"]
        return {
            "count": self.count,
            "by_cause": {c: self.by_cause[c] for c in order if self.by_cause.get(c)},
            "first": format_timestamp(self.first),
            "last": format_timestamp(self.last),
        }


def failed_calls(text: str) -> list[tuple[str, str]]:
    """(webhook name, cause) for each distinct webhook named in a `failed calling webhook "<name>"` text."""
    text = unescape_quotes(text)
    names = list(dict.fromkeys(m.group(1) for m in FAILED_CALL.finditer(text)))
    if not names:
        return []
    cause = classify(text)
    return [(name, cause) for name in names]


def collect(ctx: Context) -> dict[str, Failures]:
    """Failed calls per webhook name, from every source in the inventory."""
    out: dict[str, Failures] = {}

    def record(texts: Iterable[str], count: int, first: datetime | None, last: datetime | None) -> None:
        seen: set[str] = set()
        for text in texts:
            for name, cause in failed_calls(text):
                if name in seen:  # one record counts once per webhook, whichever field says it
                    continue
                seen.add(name)
                out.setdefault(name, Failures()).add(cause, count, first, last)

    for line in ctx.inventory.log_lines:
        record([line.text], 1, line.timestamp, line.timestamp)

    seen_audit: set[str] = set()
    for event in ctx.inventory.audit_events:
        obj = event.obj
        stage = obj.get("stage")
        if stage is not None and stage not in AUDIT_STAGES:
            continue
        audit_id = obj.get("auditID")
        if isinstance(audit_id, str) and audit_id:
            if audit_id in seen_audit:
                continue
        texts = audit_texts(obj)
        if not any(FAILED_CALL.search(unescape_quotes(t)) for t in texts):
            continue
        if isinstance(audit_id, str) and audit_id:
            seen_audit.add(audit_id)
        ts = parse_timestamp(obj.get("stageTimestamp")) or parse_timestamp(obj.get("requestReceivedTimestamp"))
        record(texts, 1, ts, ts)

    seen_events: set[tuple[str, str]] = set()
    for ev in ctx.inventory.of_kind("Event"):
        if ev.api_version not in ("v1", "events.k8s.io/v1", "events.k8s.io/v1beta1"):
            continue
        if ev.name:  # one Event is served by both APIs: a dump of both views holds it twice
            if (ev.namespace, ev.name) in seen_events:
                continue
            seen_events.add((ev.namespace, ev.name))
        obj = ev.obj
        texts = [t for t in (obj.get("message"), obj.get("note")) if isinstance(t, str)]
        if not texts:
            continue
        first, last = event_times(obj)
        record(texts, event_count(obj), first, last)
    return out


def audit_texts(obj: dict) -> list[str]:
    status = obj.get("responseStatus")
    if not isinstance(status, dict):
        return []
    texts = [status["message"]] if isinstance(status.get("message"), str) else []
    details = status.get("details")
    if isinstance(details, dict):
        for cause in mappings(details.get("causes")):
            if isinstance(cause.get("message"), str):
                texts.append(cause["message"])
    return texts


def event_count(obj: dict) -> int:
    """`count`, else `series.count`, else (events.k8s.io) `deprecatedCount`, else 1. A zero is no count: the
    core/v1 view of an events.k8s.io series Event carries `count: 0` next to `series.count`, and an Event that
    exists records at least one occurrence."""
    for value in (obj.get("count"), mapping(obj.get("series")).get("count"), obj.get("deprecatedCount")):
        number = integer(value)
        if number is not None and number > 0:
            return number
    return 1


def event_times(obj: dict) -> tuple[datetime | None, datetime | None]:
    first = None
    for key in ("firstTimestamp", "deprecatedFirstTimestamp", "eventTime", "lastTimestamp", "deprecatedLastTimestamp"):
        first = parse_timestamp(obj.get(key))
        if first is not None:
            break
    last = None
    for key in ("lastTimestamp", "deprecatedLastTimestamp", "eventTime", "firstTimestamp", "deprecatedFirstTimestamp"):
        last = parse_timestamp(obj.get(key))
        if last is not None:
            break
    return first, last


def check(ctx: Context) -> list[Finding]:
    failures = collect(ctx)
    findings: list[Finding] = []
    for wh in ctx.webhooks:
        f = failures.get(wh.name)
        if f is None or f.count == 0:
            continue
        evidence = f.evidence()
        causes = ", ".join(f"{c}: {n}" for c, n in evidence["by_cause"].items())
        when = ""
        if evidence["first"]:
            when = f", from {evidence['first']} to {evidence['last']}"
        main = max(evidence["by_cause"].items(), key=lambda kv: kv[1])[0]
        findings.append(
            Finding(
                "call-failures",
                wh.target,
                f"{f.count} failed call(s) to webhook {wh.name!r} recorded in logs, audit events or Events "
                f"({causes}{when}). Most are {main}: {REMEDY[main]}.",
                evidence=evidence,
            )
        )
    return findings
