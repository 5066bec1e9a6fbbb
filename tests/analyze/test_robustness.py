"""Odd but parseable input never crashes the analysis: any field may hold any JSON value."""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrator.analyze.analyzer import analyze
from migrator.analyze.context import Options
from migrator.sources.cluster import Inventory

from .conftest import NOW

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.text(max_size=4) | st.sampled_from(["*", "Fail", "kube-system"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=8,
)

BASE = [
    {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration", "metadata": {"name": "c"},
     "webhooks": [{"name": "w", "clientConfig": {"service": {"namespace": "n", "name": "s"}, "caBundle": "Zm9v"},
                   "rules": [{"apiGroups": ["*"], "resources": ["*"], "scope": "*"}],
                   "namespaceSelector": {"matchExpressions": [{"key": "k", "operator": "In", "values": ["v"]}]},
                   "failurePolicy": "Fail", "timeoutSeconds": 10, "sideEffects": "Some"}]},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"namespace": "n", "name": "s"}, "spec": {"selector": {"a": "b"}}},
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"namespace": "n", "name": "d"},
     "spec": {"replicas": 1, "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c"}]}}},
     "status": {"readyReplicas": 0}},
    {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"namespace": "n", "name": "s"}, "subsets": [{"addresses": [{}]}]},
    {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
     "metadata": {"namespace": "n", "name": "s1", "labels": {"kubernetes.io/service-name": "s"}}, "endpoints": [{}]},
    {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"namespace": "n", "name": "p"},
     "spec": {"selector": {"matchLabels": {"a": "b"}}}},
    {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"namespace": "n", "name": "h"},
     "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "d"}, "minReplicas": 2}},
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-system", "labels": {"k": "v"}}},
    {"apiVersion": "v1", "kind": "Event", "metadata": {"namespace": "n", "name": "e"},
     "message": 'failed calling webhook "w": x509: bad', "count": 2, "lastTimestamp": "2026-11-23T00:00:00Z"},
    {"apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy", "metadata": {"name": "p"},
     "spec": {"rules": [{"name": "r", "validate": {"cel": {"expressions": [{"expression": "true"}]}}}]}},
]


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            yield from _paths(value, prefix + (i,))


PATHS = [(i, p) for i, obj in enumerate(BASE) for p in _paths(obj) if len(p) >= 1 and p[0] not in ("apiVersion", "kind")]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(PATHS), json_values), min_size=1, max_size=4))
def test_any_value_anywhere_does_not_crash(edits):
    objs = copy.deepcopy(BASE)
    for (index, path), value in edits:
        target = objs[index]
        try:
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    inventory = Inventory()
    for obj in objs:
        inventory.add_object(obj, "fuzz.yaml")
    result = analyze(inventory, Options(now=NOW))
    result.to_json()
