"""Kind <-> resource names for built-in Kubernetes types, and the guess the API machinery makes for the rest.

Without discovery data we cannot ask the API server, so built-ins come from this table (irregular plurals,
cluster-scoped kinds) and anything else is guessed like k8s.io/apimachinery's meta.UnsafeGuessKindToResource.
This is the one kind -> resource table of migrator: samples read it as is, translate (Kyverno kind selectors) a view
of it.
"""

from __future__ import annotations

# kind -> (group, preferred version, resource plural, namespaced)
BUILTIN_KINDS: dict[str, tuple[str, str, str, bool]] = {
    "Binding": ("", "v1", "bindings", True),
    "ComponentStatus": ("", "v1", "componentstatuses", False),
    "ConfigMap": ("", "v1", "configmaps", True),
    "Endpoints": ("", "v1", "endpoints", True),
    "Event": ("", "v1", "events", True),
    "LimitRange": ("", "v1", "limitranges", True),
    "Namespace": ("", "v1", "namespaces", False),
    "Node": ("", "v1", "nodes", False),
    "PersistentVolumeClaim": ("", "v1", "persistentvolumeclaims", True),
    "PersistentVolume": ("", "v1", "persistentvolumes", False),
    "Pod": ("", "v1", "pods", True),
    "PodTemplate": ("", "v1", "podtemplates", True),
    "ReplicationController": ("", "v1", "replicationcontrollers", True),
    "ResourceQuota": ("", "v1", "resourcequotas", True),
    "Secret": ("", "v1", "secrets", True),
    "ServiceAccount": ("", "v1", "serviceaccounts", True),
    "Service": ("", "v1", "services", True),
    "MutatingWebhookConfiguration": ("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", False),
    "ValidatingWebhookConfiguration": ("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", False),
    "ValidatingAdmissionPolicy": ("admissionregistration.k8s.io", "v1", "validatingadmissionpolicies", False),
    "ValidatingAdmissionPolicyBinding": ("admissionregistration.k8s.io", "v1", "validatingadmissionpolicybindings", False),
    "MutatingAdmissionPolicy": ("admissionregistration.k8s.io", "v1beta1", "mutatingadmissionpolicies", False),
    "MutatingAdmissionPolicyBinding": ("admissionregistration.k8s.io", "v1beta1", "mutatingadmissionpolicybindings", False),
    "CustomResourceDefinition": ("apiextensions.k8s.io", "v1", "customresourcedefinitions", False),
    "APIService": ("apiregistration.k8s.io", "v1", "apiservices", False),
    "ControllerRevision": ("apps", "v1", "controllerrevisions", True),
    "DaemonSet": ("apps", "v1", "daemonsets", True),
    "Deployment": ("apps", "v1", "deployments", True),
    "ReplicaSet": ("apps", "v1", "replicasets", True),
    "StatefulSet": ("apps", "v1", "statefulsets", True),
    "TokenReview": ("authentication.k8s.io", "v1", "tokenreviews", False),
    "SelfSubjectReview": ("authentication.k8s.io", "v1", "selfsubjectreviews", False),
    "LocalSubjectAccessReview": ("authorization.k8s.io", "v1", "localsubjectaccessreviews", True),
    "SelfSubjectAccessReview": ("authorization.k8s.io", "v1", "selfsubjectaccessreviews", False),
    "SelfSubjectRulesReview": ("authorization.k8s.io", "v1", "selfsubjectrulesreviews", False),
    "SubjectAccessReview": ("authorization.k8s.io", "v1", "subjectaccessreviews", False),
    "HorizontalPodAutoscaler": ("autoscaling", "v2", "horizontalpodautoscalers", True),
    "Scale": ("autoscaling", "v1", "scale", True),
    "CronJob": ("batch", "v1", "cronjobs", True),
    "Job": ("batch", "v1", "jobs", True),
    "CertificateSigningRequest": ("certificates.k8s.io", "v1", "certificatesigningrequests", False),
    "Lease": ("coordination.k8s.io", "v1", "leases", True),
    "EndpointSlice": ("discovery.k8s.io", "v1", "endpointslices", True),
    "FlowSchema": ("flowcontrol.apiserver.k8s.io", "v1", "flowschemas", False),
    "PriorityLevelConfiguration": ("flowcontrol.apiserver.k8s.io", "v1", "prioritylevelconfigurations", False),
    "IngressClass": ("networking.k8s.io", "v1", "ingressclasses", False),
    "Ingress": ("networking.k8s.io", "v1", "ingresses", True),
    "NetworkPolicy": ("networking.k8s.io", "v1", "networkpolicies", True),
    "IPAddress": ("networking.k8s.io", "v1", "ipaddresses", False),
    "ServiceCIDR": ("networking.k8s.io", "v1", "servicecidrs", False),
    "RuntimeClass": ("node.k8s.io", "v1", "runtimeclasses", False),
    "Eviction": ("policy", "v1", "evictions", True),
    "PodDisruptionBudget": ("policy", "v1", "poddisruptionbudgets", True),
    "ClusterRoleBinding": ("rbac.authorization.k8s.io", "v1", "clusterrolebindings", False),
    "ClusterRole": ("rbac.authorization.k8s.io", "v1", "clusterroles", False),
    "RoleBinding": ("rbac.authorization.k8s.io", "v1", "rolebindings", True),
    "Role": ("rbac.authorization.k8s.io", "v1", "roles", True),
    "PriorityClass": ("scheduling.k8s.io", "v1", "priorityclasses", False),
    "CSIDriver": ("storage.k8s.io", "v1", "csidrivers", False),
    "CSINode": ("storage.k8s.io", "v1", "csinodes", False),
    "CSIStorageCapacity": ("storage.k8s.io", "v1", "csistoragecapacities", True),
    "StorageClass": ("storage.k8s.io", "v1", "storageclasses", False),
    "VolumeAttachment": ("storage.k8s.io", "v1", "volumeattachments", False),
}

_BY_RESOURCE: dict[tuple[str, str], str] = {(g, r): k for k, (g, _v, r, _n) in BUILTIN_KINDS.items()}
# Events live in two groups; both are the same objects.
_BY_RESOURCE[("events.k8s.io", "events")] = "Event"


def split_api_version(api_version: str | None) -> tuple[str, str]:
    """'apps/v1' -> ('apps', 'v1'); 'v1' -> ('', 'v1')."""
    if not api_version:
        return "", ""
    group, _, version = str(api_version).rpartition("/")
    return group, version


def guess_plural(kind: str) -> str:
    """meta.UnsafeGuessKindToResource: lower-case, then 's' -> 'ses', 'y' -> 'ies', otherwise + 's'."""
    singular = kind.lower()
    if not singular:
        return singular
    if singular.endswith("s"):
        return singular + "es"
    if singular.endswith("y"):
        return singular[:-1] + "ies"
    return singular + "s"


def resource_for_kind(kind: str, group: str | None = None) -> str:
    """The resource plural of `kind`: the built-in table when the group agrees, else the API machinery's guess."""
    builtin = BUILTIN_KINDS.get(kind)
    if builtin and (group is None or builtin[0] == group):
        return builtin[2]
    return guess_plural(kind)


def kind_for_resource(resource: str, group: str) -> str | None:
    """The kind of a built-in resource (`pods`, `deployments` in `apps`), or None when it is not built in."""
    return _BY_RESOURCE.get((group, resource))


def guess_kind(resource: str) -> str:
    """Last resort for a resource we have no kind for (a custom resource deleted at Request level): undo the plural."""
    r = resource
    if r.endswith("ies"):
        r = r[:-3] + "y"
    elif r.endswith("ses"):
        r = r[:-2]
    elif r.endswith("s"):
        r = r[:-1]
    return r[:1].upper() + r[1:]


# Well-known cluster-scoped custom resources (policy engines, cert-manager, OpenShift config, Karpenter, ...).
CLUSTER_SCOPED_EXTRA = frozenset({
    "ClusterPolicy", "ClusterPolicyReport", "ClusterIssuer", "ClusterSecretStore", "ClusterServiceVersion",
    "APIServer", "Authentication", "Build", "ClusterOperator", "ClusterVersion", "Console", "DNS", "FeatureGate",
    "Image", "Infrastructure", "Ingress.config.openshift.io", "Network", "Node.config.openshift.io", "OAuth",
    "OperatorHub", "Project", "Proxy", "Scheduler", "SecurityContextConstraints",
    "NodePool", "EC2NodeClass", "NodeClass", "Provisioner", "AWSNodeTemplate", "ClusterClaim",
    "ValidatingPolicy", "MutatingPolicy", "GeneratingPolicy", "DeletingPolicy", "ImageValidatingPolicy",
    "ConstraintTemplate", "StorageProfile", "VolumeSnapshotClass", "VolumeSnapshotContent", "IngressClassParams",
})


def is_namespaced(kind: str, group: str | None = None, default: bool = True) -> bool:
    """Whether objects of `kind` live in namespaces.

    Built-in kinds by the table (a same-named kind in another group, such as OpenShift's ClusterRole, has the
    same scope), then well-known cluster-scoped custom kinds and the `Cluster...` naming convention; `default`
    for anything else."""
    if group and f"{kind}.{group}" in CLUSTER_SCOPED_EXTRA:
        return False
    builtin = BUILTIN_KINDS.get(kind)
    if builtin:
        return builtin[3]
    if kind in CLUSTER_SCOPED_EXTRA:
        return False
    if kind.startswith("Cluster") and kind[7:8].isupper():
        return False
    return default
