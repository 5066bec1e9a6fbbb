"""One loaded inventory, indexed for the checks: webhooks with their defaults, services, workloads, namespaces."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from migrator.analyze.model import KyvernoPolicy, ServiceRef, Webhook
from migrator.analyze.selectors import labels_contain
from migrator.sources.cluster import Inventory, KubeObject

WEBHOOK_KINDS = ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration")
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")
# apps, and extensions for dumps of old clusters (extensions/v1beta1 Deployments and DaemonSets, before 1.16)
WORKLOAD_GROUPS = ("apps", "extensions")
KYVERNO_POLICY_KINDS = ("ClusterPolicy", "Policy")

# (failurePolicy, timeoutSeconds, sideEffects, matchPolicy) defaults per admissionregistration version
WEBHOOK_DEFAULTS = {
    "admissionregistration.k8s.io/v1": ("Fail", 10, None, "Equivalent"),
    "admissionregistration.k8s.io/v1beta1": ("Ignore", 30, "Unknown", "Exact"),
}


@dataclass
class Options:
    now: datetime
    max_timeout: float = 5


@dataclass
class Context:
    """The inventory and what the checks look up in it."""

    inventory: Inventory
    options: Options
    webhooks: list[Webhook] = field(default_factory=list)
    policies: list[KyvernoPolicy] = field(default_factory=list)
    services: dict[tuple[str, str], KubeObject] = field(default_factory=dict)
    namespaces: dict[str, KubeObject] = field(default_factory=dict)
    _by_kind_ns: dict[tuple[str, str], list[KubeObject]] = field(default_factory=dict, repr=False)
    _samples: dict[tuple[str, str], list] | None = field(default=None, repr=False)

    @classmethod
    def build(cls, inventory: Inventory, options: Options) -> "Context":
        ctx = cls(inventory, options)
        for obj in inventory.objects:
            ctx._by_kind_ns.setdefault((obj.kind, obj.namespace or "default"), []).append(obj)
        for obj in inventory.of_kind("Service"):
            if obj.group == "":
                ctx.services.setdefault((obj.namespace or "default", obj.name), obj)
        for obj in inventory.of_kind("Namespace"):
            if obj.group == "":
                ctx.namespaces.setdefault(obj.name, obj)
        for obj in inventory.of_kind(*WEBHOOK_KINDS):
            if obj.api_version in WEBHOOK_DEFAULTS:
                ctx.webhooks.extend(read_webhooks(obj, {(w.kind, w.configuration, w.name) for w in ctx.webhooks}))
        for obj in inventory.of_kind(*KYVERNO_POLICY_KINDS):
            if obj.group == "kyverno.io":
                ctx.policies.append(read_policy(obj))
        return ctx

    # --- objects the checks need -----------------------------------------------------------------------------

    @property
    def has_services(self) -> bool:
        return bool(self.services)

    def service(self, ref: ServiceRef) -> KubeObject | None:
        return self.services.get((ref.namespace, ref.name))

    def namespace_labels(self, name: str) -> dict[str, str]:
        """The labels the API server evaluates a namespaceSelector against: the Namespace's own labels, plus
        `kubernetes.io/metadata.name` which the API server always sets."""
        ns = self.namespaces.get(name)
        labels = dict(ns.labels) if ns else {}
        labels["kubernetes.io/metadata.name"] = name
        return labels

    def backing_workloads(self, ref: ServiceRef) -> list[KubeObject]:
        """Deployments/StatefulSets/DaemonSets of the Service's namespace whose pod-template labels contain every
        key/value of the Service's selector (a Service without selector has none)."""
        svc = self.service(ref)
        if svc is None:
            return []
        selector = svc.spec.get("selector")
        if not isinstance(selector, dict) or not selector:
            return []
        out = []
        for kind in WORKLOAD_KINDS:
            for obj in self.in_namespace(kind, ref.namespace):
                if obj.group in WORKLOAD_GROUPS and labels_contain(pod_template_labels(obj), selector):
                    out.append(obj)
        return out

    def in_namespace(self, kind: str, namespace: str) -> list[KubeObject]:
        return self._by_kind_ns.get((kind, namespace), [])

    def samples_named(self, webhook_name: str, *metric_names: str) -> list:
        """(scrape source, Sample) of the given metric names whose `name` label is `webhook_name`, every scrape."""
        if self._samples is None:
            self._samples = {}
            for scrape in self.inventory.scrapes:
                for sample in scrape.samples:
                    label = sample.labels.get("name")
                    if label is not None:
                        self._samples.setdefault((sample.name, label), []).append((scrape.source, sample))
        return [hit for metric in metric_names for hit in self._samples.get((metric, webhook_name), [])]


def pod_template_labels(workload: KubeObject) -> dict[str, str]:
    template = workload.spec.get("template")
    meta = template.get("metadata") if isinstance(template, dict) else None
    labels = meta.get("labels") if isinstance(meta, dict) else None
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}


def pod_template_spec(workload: KubeObject) -> dict:
    template = workload.spec.get("template")
    spec = template.get("spec") if isinstance(template, dict) else None
    return spec if isinstance(spec, dict) else {}


def read_webhooks(config: KubeObject, seen: set) -> list[Webhook]:
    """The webhooks of one configuration object, defaults of its API version applied. A webhook already seen
    (same kind, configuration and webhook name, e.g. the object dumped twice) is skipped."""
    failure_default, timeout_default, side_default, match_default = WEBHOOK_DEFAULTS[config.api_version]
    out: list[Webhook] = []
    entries = config.obj.get("webhooks")
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or not entry.get("name"):
            continue
        key = (config.kind, config.name, str(entry["name"]))
        if key in seen:
            continue
        seen.add(key)
        client = entry.get("clientConfig") if isinstance(entry.get("clientConfig"), dict) else {}
        service = None
        svc = client.get("service")
        if isinstance(svc, dict) and svc.get("name"):
            port = svc.get("port")
            service = ServiceRef(
                namespace=str(svc.get("namespace") or "default"),
                name=str(svc["name"]),
                port=port if isinstance(port, int) else None,
                path=svc.get("path") if isinstance(svc.get("path"), str) else None,
            )
        timeout = entry.get("timeoutSeconds")
        out.append(
            Webhook(
                kind=config.kind,
                configuration=config.name,
                name=str(entry["name"]),
                api_version=config.api_version,
                spec=entry,
                config_labels=config.labels,
                failure_policy=str(entry.get("failurePolicy") or failure_default),
                timeout_seconds=timeout if isinstance(timeout, int) and not isinstance(timeout, bool) else timeout_default,
                side_effects=str(entry["sideEffects"]) if entry.get("sideEffects") else side_default,
                match_policy=str(entry.get("matchPolicy") or match_default),
                service=service,
                url=str(client["url"]) if client.get("url") else None,
                ca_bundle=str(client["caBundle"]) if client.get("caBundle") else None,
                source=config.source,
                line=config.line,
            )
        )
    return out


def read_policy(obj: KubeObject) -> KyvernoPolicy:
    spec = obj.spec
    failure = spec.get("failurePolicy")
    wh = spec.get("webhookConfiguration")
    if isinstance(wh, dict) and wh.get("failurePolicy"):
        failure = wh["failurePolicy"]
    return KyvernoPolicy(
        kind=obj.kind,
        name=obj.name,
        namespace=(obj.namespace or "default") if obj.kind == "Policy" else None,
        obj=obj.obj,
        source=obj.source,
        line=obj.line,
        failure_policy=str(failure or "Fail"),
    )
