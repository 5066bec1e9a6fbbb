"""Namespace objects for namespaceSelector and `namespaceObject` (the API server's namespace lister).

A namespace with no object given is the one the API server would have created for it: named, labelled
`kubernetes.io/metadata.name: <name>` (the label the API server sets on every namespace).
"""

from __future__ import annotations

from typing import Any, Iterable

from migrator.cel import to_cel
from migrator.sources.vap import ParamObject

_NAMESPACE_META_FIELDS = (
    "name", "generateName", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp",
    "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "finalizers",
)


def default_namespace(name: str) -> dict:
    return {"metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}}}


def namespace_object(namespace: dict) -> dict:
    """cel.CreateNamespaceObject: metadata trimmed to the fields the API server exposes, spec and status kept
    (no apiVersion/kind, no managedFields or ownerReferences)."""
    meta = namespace.get("metadata") if isinstance(namespace.get("metadata"), dict) else {}
    out: dict[str, Any] = {"metadata": {k: meta[k] for k in _NAMESPACE_META_FIELDS if k in meta}}
    for key in ("spec", "status"):
        if isinstance(namespace.get(key), dict):
            out[key] = namespace[key]
    return out


class NamespaceStore:
    """Namespaces by name, with the default object for any other name; CEL values converted once per name."""

    def __init__(self, objects: Iterable[ParamObject] = ()) -> None:
        self._objects: dict[str, dict] = {}
        for obj in objects:
            if obj.kind == "Namespace" and obj.group == "":
                self._objects[obj.name] = obj.obj
        self._cel: dict[str, Any] = {}

    def get(self, name: str) -> dict:
        return self._objects.get(name) or default_namespace(name)

    def labels(self, name: str) -> dict:
        meta = self.get(name).get("metadata") or {}
        labels = meta.get("labels") if isinstance(meta, dict) else None
        return labels if isinstance(labels, dict) else {}

    def cel(self, name: str) -> Any:
        """The `namespaceObject` variable for a request in namespace `name`."""
        value = self._cel.get(name)
        if value is None:
            value = self._cel[name] = to_cel(namespace_object(self.get(name)))
        return value
