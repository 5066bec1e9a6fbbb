"""Param objects for paramKind/paramRef (policy/generic/policy_dispatcher.go CollectParams).

Without discovery data the scope of a paramKind is taken from a table of built-in kinds, else from the
objects given (namespaced when any has a namespace), else from the binding (namespaced when paramRef.namespace
is set). Params are matched by group and kind: the API server serves any stored version as the paramKind's.
"""

from __future__ import annotations

from typing import Any, Iterable

from migrator.admission.labels import selector_matches
from migrator.cel import to_cel
from migrator.sources.vap import ParamKind, ParamObject, ParamRef

NAMESPACED_BUILTINS = {
    ("", "ConfigMap"), ("", "Secret"), ("", "ServiceAccount"), ("", "Service"), ("", "Pod"), ("", "LimitRange"),
    ("", "ResourceQuota"), ("", "PersistentVolumeClaim"), ("apps", "Deployment"), ("networking.k8s.io", "NetworkPolicy"),
    ("rbac.authorization.k8s.io", "Role"), ("rbac.authorization.k8s.io", "RoleBinding"),
}
CLUSTER_BUILTINS = {
    ("", "Namespace"), ("", "Node"), ("", "PersistentVolume"), ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"), ("storage.k8s.io", "StorageClass"),
    ("scheduling.k8s.io", "PriorityClass"), ("apiextensions.k8s.io", "CustomResourceDefinition"),
}


class ParamError(Exception):
    """A binding's params could not be collected: a configuration error, handled by failurePolicy."""


class ParamStore:
    """Param objects by (group, kind), their CEL values converted once."""

    def __init__(self, objects: Iterable[ParamObject] = ()) -> None:
        self._by_kind: dict[tuple[str, str], list[ParamObject]] = {}
        for obj in objects:
            self._by_kind.setdefault((obj.group, obj.kind), []).append(obj)
        for items in self._by_kind.values():
            items.sort(key=lambda o: (o.namespace, o.name))
        self._cel: dict[int, Any] = {}

    def cel(self, obj: ParamObject) -> Any:
        value = self._cel.get(id(obj))
        if value is None:
            value = self._cel[id(obj)] = to_cel(obj.obj)
        return value

    def namespaced(self, kind: ParamKind, ref: ParamRef) -> bool:
        key = (kind.group, kind.kind)
        if key in NAMESPACED_BUILTINS:
            return True
        if key in CLUSTER_BUILTINS:
            return False
        items = self._by_kind.get(key)
        if items:
            return any(o.namespace for o in items)
        return bool(ref.namespace)

    def collect(self, kind: ParamKind | None, ref: ParamRef | None, namespace: str) -> list[ParamObject | None]:
        """The params one binding evaluates with (one evaluation each); [None] when the policy takes none.

        Raises ParamError for configuration errors and for no params with parameterNotFoundAction Deny.
        """
        if kind is None or ref is None:
            return [None]
        namespaced = self.namespaced(kind, ref)
        if namespaced:
            scope_ns = ref.namespace or namespace
            if not scope_ns:
                raise ParamError("cannot use namespaced paramRef in policy binding that matches cluster-scoped resources")
        elif ref.namespace:
            raise ParamError("paramRef.namespace must not be provided for a cluster-scoped `paramKind`")
        else:
            scope_ns = ""
        candidates = [o for o in self._by_kind.get((kind.group, kind.kind), []) if (o.namespace or "") == scope_ns]
        if ref.name:
            params: list[ParamObject | None] = [o for o in candidates if o.name == ref.name][:1]
        else:
            assert ref.selector is not None
            params = [o for o in candidates if selector_matches(ref.selector, o.labels)]
        if not params and ref.parameter_not_found_action == "Deny":
            raise ParamError("no params found for policy binding with `Deny` parameterNotFoundAction")
        return params
