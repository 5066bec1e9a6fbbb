"""Label selectors (metav1.LabelSelector) evaluated as the API server does."""

from __future__ import annotations

from typing import Any

from migrator.analyze.fields import mapping, sequence, strings
from migrator.sources.vap import LabelRequirement


def selector_matches(selector: Any, labels: dict[str, str], *, absent_matches: bool = True) -> bool:
    """True when `selector` selects an object with `labels`.

    An absent (null) selector matches everything for webhook namespace/object selectors (`absent_matches`),
    nothing for a PodDisruptionBudget; an empty selector `{}` matches everything. An unknown operator selects
    nothing (the API server would have rejected the object).
    """
    if selector is None:
        return absent_matches
    if not isinstance(selector, dict):
        return False
    for key, value in mapping(selector.get("matchLabels")).items():
        if labels.get(str(key)) != str(value):
            return False
    for expr in sequence(selector.get("matchExpressions")):
        if not isinstance(expr, dict) or not requirement_matches(expr, labels):
            return False
    return True


def requirement_matches(expr: dict, labels: dict[str, str]) -> bool:
    """One matchExpressions entry, read leniently (a dump is not validated), with the API server's semantics."""
    key, operator = str(expr.get("key", "")), str(expr.get("operator", ""))
    return LabelRequirement(key, operator, tuple(strings(expr.get("values")))).matches(labels)


def labels_contain(labels: dict[str, str], wanted: dict[str, str]) -> bool:
    """Every key/value of `wanted` is in `labels` (a Service selector against pod-template labels)."""
    return all(labels.get(str(k)) == str(v) for k, v in mapping(wanted).items())
