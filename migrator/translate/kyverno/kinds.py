"""Kyverno kind selectors (`Pod`, `v1/Pod`, `apps/v1/Deployment`, `Pod/exec`, `*`) and the resources they name.

Kyverno matches kinds (group/version/Kind[/subresource], each part a wildcard); a ValidatingAdmissionPolicy matches
resources (group, version, plural[/subresource]). Built-in kinds map through the table below, which lists the
Kubernetes built-in API types with their group, plural and scope. For kinds not in the table (CRDs), the plural is not
knowable without discovery; we then match every resource of the group and compare `request.kind` in CEL, which is exact
whatever plural the CRD author chose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

VERSION_RE = re.compile(r"^(v\d+((alpha|beta)\d+)?|\*)$")

# kind -> (group, plural, namespaced)
BUILTIN_KINDS: dict[str, tuple[str, str, bool]] = {
    "Binding": ("", "bindings", True),
    "ComponentStatus": ("", "componentstatuses", False),
    "ConfigMap": ("", "configmaps", True),
    "Endpoints": ("", "endpoints", True),
    "Event": ("", "events", True),
    "LimitRange": ("", "limitranges", True),
    "Namespace": ("", "namespaces", False),
    "Node": ("", "nodes", False),
    "PersistentVolumeClaim": ("", "persistentvolumeclaims", True),
    "PersistentVolume": ("", "persistentvolumes", False),
    "Pod": ("", "pods", True),
    "PodTemplate": ("", "podtemplates", True),
    "ReplicationController": ("", "replicationcontrollers", True),
    "ResourceQuota": ("", "resourcequotas", True),
    "Secret": ("", "secrets", True),
    "ServiceAccount": ("", "serviceaccounts", True),
    "Service": ("", "services", True),
    "MutatingWebhookConfiguration": ("admissionregistration.k8s.io", "mutatingwebhookconfigurations", False),
    "ValidatingWebhookConfiguration": ("admissionregistration.k8s.io", "validatingwebhookconfigurations", False),
    "ValidatingAdmissionPolicy": ("admissionregistration.k8s.io", "validatingadmissionpolicies", False),
    "ValidatingAdmissionPolicyBinding": ("admissionregistration.k8s.io", "validatingadmissionpolicybindings", False),
    "CustomResourceDefinition": ("apiextensions.k8s.io", "customresourcedefinitions", False),
    "APIService": ("apiregistration.k8s.io", "apiservices", False),
    "ControllerRevision": ("apps", "controllerrevisions", True),
    "DaemonSet": ("apps", "daemonsets", True),
    "Deployment": ("apps", "deployments", True),
    "ReplicaSet": ("apps", "replicasets", True),
    "StatefulSet": ("apps", "statefulsets", True),
    "TokenReview": ("authentication.k8s.io", "tokenreviews", False),
    "LocalSubjectAccessReview": ("authorization.k8s.io", "localsubjectaccessreviews", True),
    "SelfSubjectAccessReview": ("authorization.k8s.io", "selfsubjectaccessreviews", False),
    "SelfSubjectRulesReview": ("authorization.k8s.io", "selfsubjectrulesreviews", False),
    "SubjectAccessReview": ("authorization.k8s.io", "subjectaccessreviews", False),
    "HorizontalPodAutoscaler": ("autoscaling", "horizontalpodautoscalers", True),
    "CronJob": ("batch", "cronjobs", True),
    "Job": ("batch", "jobs", True),
    "CertificateSigningRequest": ("certificates.k8s.io", "certificatesigningrequests", False),
    "Lease": ("coordination.k8s.io", "leases", True),
    "EndpointSlice": ("discovery.k8s.io", "endpointslices", True),
    "FlowSchema": ("flowcontrol.apiserver.k8s.io", "flowschemas", False),
    "PriorityLevelConfiguration": ("flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations", False),
    "IngressClass": ("networking.k8s.io", "ingressclasses", False),
    "Ingress": ("networking.k8s.io", "ingresses", True),
    "NetworkPolicy": ("networking.k8s.io", "networkpolicies", True),
    "RuntimeClass": ("node.k8s.io", "runtimeclasses", False),
    "PodDisruptionBudget": ("policy", "poddisruptionbudgets", True),
    "ClusterRoleBinding": ("rbac.authorization.k8s.io", "clusterrolebindings", False),
    "ClusterRole": ("rbac.authorization.k8s.io", "clusterroles", False),
    "RoleBinding": ("rbac.authorization.k8s.io", "rolebindings", True),
    "Role": ("rbac.authorization.k8s.io", "roles", True),
    "PriorityClass": ("scheduling.k8s.io", "priorityclasses", False),
    "CSIDriver": ("storage.k8s.io", "csidrivers", False),
    "CSINode": ("storage.k8s.io", "csinodes", False),
    "CSIStorageCapacity": ("storage.k8s.io", "csistoragecapacities", True),
    "StorageClass": ("storage.k8s.io", "storageclasses", False),
    "VolumeAttachment": ("storage.k8s.io", "volumeattachments", False),
}


# Built-in kinds served by more than one API group (Event: core and events.k8s.io): a selector without a group must
# match them all, so these go through the generic path (every resource + `request.kind` in CEL).
MULTI_GROUP_KINDS = {"Event": ("", "events.k8s.io")}


def crd_plural(kind: str) -> str:
    """The plural Kubernetes' defaulting (`kubectl`/gengo naming) gives a kind: lowercase, `y`->`ies`, `s/x/ch/sh`->`es`.

    Only a convention: CRDs declare their own plural. Used for display and for samples, never to decide a match.
    """
    lower = kind.lower()
    if lower.endswith("y") and len(lower) > 1 and lower[-2] not in "aeiou":
        return lower[:-1] + "ies"
    if lower.endswith(("s", "x", "z", "ch", "sh")):
        return lower + "es"
    return lower + "s"


@dataclass(frozen=True)
class KindSelector:
    """One parsed Kyverno kind selector; each part may hold `*`/`?` wildcards."""

    group: str
    version: str
    kind: str
    subresource: str

    @property
    def has_wildcard(self) -> bool:
        return any(("*" in p or "?" in p) for p in (self.group, self.version, self.kind))


def parse_kind_selector(text: str) -> KindSelector:
    """Kyverno's kubeutils.ParseKindSelector, step for step."""
    parts = text.split("/")
    if parts:
        parts = parts[:-1] + parts[-1].split(".")
    n = len(parts)
    if n == 1:
        return KindSelector("*", "*", parts[0], "")
    if n == 2:
        if parts[0] == "*" and parts[1] == "*":
            return KindSelector("*", "*", "*", "*")
        if parts[0] == "*" and parts[1].lower() == parts[1]:
            return KindSelector("*", "*", parts[0], parts[1])
        if VERSION_RE.match(parts[0]):
            return KindSelector("*", parts[0], parts[1], "")
        return KindSelector("*", "*", parts[0], parts[1])
    if n == 3:
        if VERSION_RE.match(parts[0]):
            return KindSelector("*", parts[0], parts[1], parts[2])
        return KindSelector(parts[0], parts[1], parts[2], "")
    if n == 4:
        return KindSelector(parts[0], parts[1], parts[2], parts[3])
    return KindSelector("", "", "", "")


def is_namespaced(kind: str) -> bool | None:
    """True/False for built-in kinds, None when unknown (CRDs, wildcards)."""
    entry = BUILTIN_KINDS.get(kind)
    return entry[2] if entry else None
