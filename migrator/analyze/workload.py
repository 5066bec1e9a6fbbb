"""Checks on what serves a webhook: its Service, endpoints, backing workload, PDB, HPA and resource requests.

A webhook with `clientConfig.url` has no backing Service and gets none of these.
"""

from __future__ import annotations

from migrator.analyze.context import Context, pod_template_labels, pod_template_spec
from migrator.analyze.fields import integer, mapping, mappings
from migrator.analyze.model import Finding, ServiceRef, Webhook
from migrator.analyze.selectors import selector_matches
from migrator.sources.cluster import KubeObject


def check(ctx: Context) -> list[Finding]:
    findings: list[Finding] = []
    for wh in ctx.webhooks:
        if wh.service is None:
            continue
        missing = service_missing(ctx, wh)
        findings += missing
        workloads = ctx.backing_workloads(wh.service)
        if wh.fail_closed and ctx.service(wh.service) is not None:  # endpoints are read for a present Service
            findings += fail_closed_unavailable(ctx, wh, workloads)
        if wh.fail_closed:
            findings += single_replica(ctx, wh, workloads)
        findings += no_pdb(ctx, wh, workloads)
        findings += no_resource_requests(wh, workloads)
    return findings


def _ref(obj: KubeObject) -> str:
    return f"{obj.kind} {obj.namespace or 'default'}/{obj.name}"


def service_missing(ctx: Context, wh: Webhook) -> list[Finding]:
    """Only when the dump holds Services at all: a webhook-only dump says nothing about Services."""
    assert wh.service is not None
    if not ctx.has_services or ctx.service(wh.service) is not None:
        return []
    policy = "every matching request is rejected" if wh.fail_closed else "the webhook is silently skipped"
    return [
        Finding(
            "service-missing",
            wh.target,
            f"clientConfig.service names Service {wh.service}, which does not exist: {policy}. Recreate the Service "
            f"(reinstall the component), or delete the {wh.kind} {wh.configuration!r} if the component is gone.",
        )
    ]


def ready_endpoints(ctx: Context, ref: ServiceRef, workloads: list[KubeObject]) -> bool | None:
    """True/False when the input shows whether the Service has a ready endpoint; None when nothing is known.

    Endpoint objects first (Endpoints `subsets[].addresses[]`; EndpointSlices labelled with the service name,
    `conditions.ready` absent = ready). Without any, the backing workloads' replicas and status decide."""
    seen_endpoint_objects = False
    for ep in ctx.in_namespace("Endpoints", ref.namespace):
        if ep.group != "" or ep.name != ref.name:
            continue
        seen_endpoint_objects = True
        for subset in mappings(ep.obj.get("subsets")):
            if mappings(subset.get("addresses")):
                return True
    for eps in ctx.in_namespace("EndpointSlice", ref.namespace):
        if eps.group != "discovery.k8s.io" or eps.labels.get("kubernetes.io/service-name") != ref.name:
            continue
        seen_endpoint_objects = True
        for endpoint in mappings(eps.obj.get("endpoints")):
            if mapping(endpoint.get("conditions")).get("ready") is not False:
                return True
    if seen_endpoint_objects:
        return False
    states = [workload_ready(w) for w in workloads]
    if any(s is True for s in states):
        return True
    if states and all(s is False for s in states):
        return False
    return None


def workload_ready(w: KubeObject) -> bool | None:
    """False for `spec.replicas: 0` or a status whose readyReplicas (DaemonSet: numberReady) is absent or 0;
    True with ready replicas; None without status."""
    if w.kind != "DaemonSet" and w.spec.get("replicas") == 0:
        return False
    status = w.obj.get("status")
    if not isinstance(status, dict):
        return None
    ready = integer(status.get("numberReady" if w.kind == "DaemonSet" else "readyReplicas"))
    return bool(ready and ready > 0)


def fail_closed_unavailable(ctx: Context, wh: Webhook, workloads: list[KubeObject]) -> list[Finding]:
    assert wh.service is not None
    if ready_endpoints(ctx, wh.service, workloads) is not False:
        return []
    behind = f" (workload: {', '.join(_ref(w) for w in workloads)})" if workloads else ""
    return [
        Finding(
            "fail-closed-unavailable",
            wh.target,
            f"failurePolicy is Fail and Service {wh.service}{behind} has no ready endpoint: every request the webhook "
            f"matches is being rejected right now. Restore the webhook's pods (scale the workload up, fix why they are "
            f"not ready); to unblock the cluster first, set failurePolicy: Ignore on this webhook or delete the "
            f"{wh.kind} {wh.configuration!r}.",
        )
    ]


def _replicas(w: KubeObject) -> int:
    value = integer(w.spec.get("replicas"))
    return 1 if value is None else value


def _hpa_min(ctx: Context, w: KubeObject) -> int | None:
    """The largest minReplicas (absent = 1) of the HorizontalPodAutoscalers scaling this workload, or None."""
    best = None
    for hpa in ctx.in_namespace("HorizontalPodAutoscaler", w.namespace or "default"):
        target = mapping(hpa.spec.get("scaleTargetRef"))
        if target.get("kind") != w.kind or target.get("name") != w.name:
            continue
        value = integer(hpa.spec.get("minReplicas"))
        value = 1 if value is None else value
        best = value if best is None else max(best, value)
    return best


def single_replica(ctx: Context, wh: Webhook, workloads: list[KubeObject]) -> list[Finding]:
    """Fail-closed webhook whose every backing Deployment/StatefulSet runs < 2 replicas without an HPA keeping
    >= 2. A DaemonSet never counts as single; no backing workload in the input, no finding."""
    if not workloads:
        return []
    for w in workloads:
        if w.kind == "DaemonSet" or _replicas(w) >= 2 or (_hpa_min(ctx, w) or 0) >= 2:
            return []
    w = workloads[0]
    replicas = _replicas(w)
    shown = f"spec.replicas: {replicas}" if "replicas" in w.spec else "spec.replicas unset (1)"
    return [
        Finding(
            "single-replica",
            wh.target,
            f"failurePolicy is Fail and its workload {_ref(w)} runs a single replica ({shown}): one eviction, node "
            f"drain or crash blocks every matching request. Set spec.replicas: 2 or more (or an "
            f"HorizontalPodAutoscaler with minReplicas: 2) with pod anti-affinity or topologySpreadConstraints "
            f"across nodes, and a PodDisruptionBudget.",
        )
    ]


def no_pdb(ctx: Context, wh: Webhook, workloads: list[KubeObject]) -> list[Finding]:
    uncovered = []
    for w in workloads:
        if w.kind != "DaemonSet" and _replicas(w) < 1:
            continue
        labels = pod_template_labels(w)
        pdbs = [p for p in ctx.in_namespace("PodDisruptionBudget", w.namespace or "default") if p.group == "policy"]
        if not any(selector_matches(p.spec.get("selector"), labels, absent_matches=False) for p in pdbs):
            uncovered.append(w)
    if not uncovered:
        return []
    w = uncovered[0]
    labels = pod_template_labels(w)
    selector = ", ".join(f"{k}: {v}" for k, v in sorted(labels.items())) or "<pod labels>"
    return [
        Finding(
            "no-pdb",
            wh.target,
            f"no PodDisruptionBudget selects the pods of {_ref(w)}: a node drain or cluster upgrade may evict every "
            f"replica at once. Add a PodDisruptionBudget in namespace {w.namespace or 'default'} with "
            f"selector.matchLabels {{{selector}}} and maxUnavailable: 1 (or minAvailable: 1 with 2+ replicas).",
        )
    ]


def _has(resources: dict, kind: str, resource: str) -> bool:
    values = resources.get(kind)
    return isinstance(values, dict) and values.get(resource) not in (None, "")


def no_resource_requests(wh: Webhook, workloads: list[KubeObject]) -> list[Finding]:
    """A container (not an init container) with neither request nor limit for cpu, or for memory (a limit alone
    becomes the request when the Pod is created)."""
    gaps: list[str] = []
    for w in workloads:
        for container in mappings(pod_template_spec(w).get("containers")):
            resources = mapping(container.get("resources"))
            missing = [
                r for r in ("cpu", "memory") if not _has(resources, "requests", r) and not _has(resources, "limits", r)
            ]
            if missing:
                gaps.append(f"container {container.get('name', '?')!r} of {_ref(w)} ({' and '.join(missing)})")
    if not gaps:
        return []
    return [
        Finding(
            "no-resource-requests",
            wh.target,
            f"no CPU/memory request on {'; '.join(gaps)}: BestEffort/Burstable pods without requests are evicted first "
            f"under node pressure and can be starved. Set resources.requests.cpu and resources.requests.memory "
            f"(e.g. cpu: 100m, memory: 128Mi, sized from actual use) on every container.",
        )
    ]
