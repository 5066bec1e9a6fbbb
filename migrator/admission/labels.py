"""Label selectors (k8s.io/apimachinery labels.Selector from metav1.LabelSelectorAsSelector)."""

from __future__ import annotations

from typing import Any, Mapping

from migrator.sources.vap import LabelSelector


def selector_matches(selector: LabelSelector, labels: Mapping[str, Any] | None) -> bool:
    """True when every requirement holds. NotIn and DoesNotExist hold for a missing label; an empty selector
    matches everything."""
    labels = labels or {}
    for req in selector.requirements:
        present = req.key in labels
        if req.operator == "In":
            if not present or str(labels[req.key]) not in req.values:
                return False
        elif req.operator == "NotIn":
            if present and str(labels[req.key]) in req.values:
                return False
        elif req.operator == "Exists":
            if not present:
                return False
        elif req.operator == "DoesNotExist":
            if present:
                return False
        else:  # unreachable: readers reject other operators
            return False
    return True


def object_labels(obj: Any) -> Mapping[str, Any] | None:
    """metadata.labels of an object, None when there is no object."""
    if not isinstance(obj, dict):
        return None
    meta = obj.get("metadata")
    labels = meta.get("labels") if isinstance(meta, dict) else None
    return labels if isinstance(labels, dict) else {}
