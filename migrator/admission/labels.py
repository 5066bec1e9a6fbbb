"""Label selectors (k8s.io/apimachinery labels.Selector from metav1.LabelSelectorAsSelector)."""

from __future__ import annotations

from typing import Any, Mapping

from migrator.sources.vap import LabelSelector


def selector_matches(selector: LabelSelector, labels: Mapping[str, Any] | None) -> bool:
    """True when every requirement holds. NotIn and DoesNotExist hold for a missing label; an empty selector
    matches everything."""
    labels = labels or {}
    return all(req.matches(labels) for req in selector.requirements)


def object_labels(obj: Any) -> Mapping[str, Any] | None:
    """metadata.labels of an object, None when there is no object."""
    if not isinstance(obj, dict):
        return None
    meta = obj.get("metadata")
    labels = meta.get("labels") if isinstance(meta, dict) else None
    return labels if isinstance(labels, dict) else {}
