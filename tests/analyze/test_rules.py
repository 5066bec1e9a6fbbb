"""The contract's precise rules, one at a time, on inventories built in memory."""

from __future__ import annotations

import copy
import math

import pytest

from migrator.analyze.analyzer import analyze
from migrator.analyze.context import Options
from migrator.sources.cluster import Inventory, LogLine
from migrator.sources.prometheus import histogram_quantile, parse_prometheus_text

from .conftest import NOW

TARGET = "ValidatingWebhookConfiguration/cfg/hook.example.com"


def webhook_config(api="admissionregistration.k8s.io/v1", kind="ValidatingWebhookConfiguration", name="cfg", **fields):
    hook = {
        "name": "hook.example.com",
        "clientConfig": {"service": {"namespace": "hooks", "name": "hook-svc"}},
        "rules": [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["pods"]}],
        "sideEffects": "None",
        "timeoutSeconds": 2,
        "namespaceSelector": {
            "matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["kube-system", "hooks"]}]
        },
    }
    for key, value in fields.items():
        if value is None:
            hook.pop(key, None)
        else:
            hook[key] = value
    return {"apiVersion": api, "kind": kind, "metadata": {"name": name}, "webhooks": [hook]}


def service(ns="hooks", name="hook-svc", selector=None):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"namespace": ns, "name": name},
            "spec": {"selector": selector if selector is not None else {"app": "hook"}}}


def workload(kind="Deployment", name="hook", replicas=2, status=None, labels=None, ns="hooks", containers=None):
    labels = labels or {"app": "hook", "tier": "admission"}
    obj = {"apiVersion": "apps/v1", "kind": kind, "metadata": {"namespace": ns, "name": name},
           "spec": {"template": {"metadata": {"labels": labels}, "spec": {"containers": containers if containers is not None else [
               {"name": "c", "resources": {"requests": {"cpu": "1", "memory": "1Gi"}}}]}}}}
    if replicas is not None:
        obj["spec"]["replicas"] = replicas
    if status is not None:
        obj["status"] = status
    return obj


def pdb(selector, ns="hooks"):
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"namespace": ns, "name": "p"},
            "spec": {"minAvailable": 1, "selector": selector}}


def run(*objs, scrapes=(), logs=(), max_timeout=5.0):
    inv = Inventory()
    for obj in objs:
        inv.add_object(copy.deepcopy(obj), "test.yaml")
    for i, text in enumerate(scrapes):
        inv.scrapes.append(parse_prometheus_text(text, f"m{i}.prom"))
    for text in logs:
        inv.log_lines.append(LogLine(text, None, "x.log", 1))
    return analyze(inv, Options(now=NOW, max_timeout=max_timeout))


def ids(analysis, target=TARGET):
    return sorted(f.id for f in analysis.findings if f.target == target)


# --- defaults and identity ------------------------------------------------------------------------------------


def test_v1beta1_defaults_ignore_30s_unknown():
    result = run(webhook_config(api="admissionregistration.k8s.io/v1beta1", failurePolicy=None, timeoutSeconds=None, sideEffects=None, namespaceSelector=None))
    (wh,) = result.webhooks
    assert (wh.failure_policy, wh.timeout_seconds, wh.side_effects) == ("Ignore", 30, "Unknown")
    # Ignore: no fail-closed findings even though kube-system is covered
    assert ids(result) == ["side-effects", "timeout-long"]


def test_v1_defaults_fail_10s():
    result = run(webhook_config(failurePolicy=None, timeoutSeconds=None))
    (wh,) = result.webhooks
    assert (wh.failure_policy, wh.timeout_seconds) == ("Fail", 10)
    assert "timeout-long" in ids(result)


def test_same_webhook_name_in_validating_and_mutating_is_two_webhooks():
    result = run(webhook_config(), webhook_config(kind="MutatingWebhookConfiguration"))
    assert [w.target for w in result.webhooks] == [TARGET, "MutatingWebhookConfiguration/cfg/hook.example.com"]


def test_timeout_threshold_follows_max_timeout():
    assert "timeout-long" not in ids(run(webhook_config(timeoutSeconds=8), max_timeout=8))
    assert "timeout-long" in ids(run(webhook_config(timeoutSeconds=8), max_timeout=7.5))


# --- service, endpoints, workload -----------------------------------------------------------------------------


def test_url_webhook_gets_no_service_findings():
    cfg = webhook_config(clientConfig={"url": "https://hook.example.com/validate"}, namespaceSelector=None)
    result = run(cfg, service(ns="other", name="x"))
    assert ids(result) == ["covers-kube-system"]
    assert result.webhooks[0].url == "https://hook.example.com/validate"


def test_service_missing_suppresses_fail_closed_unavailable():
    ep = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"namespace": "hooks", "name": "hook-svc"}, "subsets": []}
    result = run(webhook_config(), service(name="unrelated"), ep)
    assert ids(result) == ["service-missing"]


def test_endpoint_slice_ready_absent_means_ready_false_means_not():
    def slice_(ready):
        ep = {"addresses": ["10.0.0.1"]}
        if ready is not None:
            ep["conditions"] = {"ready": ready}
        return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                "metadata": {"namespace": "hooks", "name": "s1", "labels": {"kubernetes.io/service-name": "hook-svc"}},
                "endpoints": [ep]}

    assert "fail-closed-unavailable" not in ids(run(webhook_config(), service(), slice_(None)))
    assert "fail-closed-unavailable" in ids(run(webhook_config(), service(), slice_(False)))
    # Ignore webhooks are never fail-closed
    assert "fail-closed-unavailable" not in ids(run(webhook_config(failurePolicy="Ignore"), service(), slice_(False)))


@pytest.mark.parametrize(
    "replicas,status,fires",
    [
        (0, None, True),  # scaled to zero
        (2, {"replicas": 2}, True),  # status without readyReplicas
        (2, {"readyReplicas": 0}, True),
        (2, {"readyReplicas": 1}, False),
        (2, None, False),  # no status: nothing is known
    ],
)
def test_workload_fallback_without_endpoint_objects(replicas, status, fires):
    result = run(webhook_config(), service(), workload(replicas=replicas, status=status))
    assert ("fail-closed-unavailable" in ids(result)) is fires


def test_daemonset_fallback_uses_number_ready_and_never_counts_as_single():
    ds = workload(kind="DaemonSet", replicas=None, status={"numberReady": 0, "desiredNumberScheduled": 3})
    found = ids(run(webhook_config(), service(), ds))
    assert "fail-closed-unavailable" in found
    assert "single-replica" not in found
    assert "no-pdb" in found  # DaemonSets always have desired pods


def test_backing_workload_needs_every_selector_label_in_its_namespace():
    other_ns = workload(ns="elsewhere", replicas=1)
    partial = workload(labels={"app": "hook"}, replicas=1)
    result = run(webhook_config(), service(selector={"app": "hook", "tier": "admission"}), other_ns, partial)
    assert "single-replica" not in ids(result)  # neither is a backing workload


def test_single_replica_cleared_by_any_backing_workload_or_hpa():
    one = workload(name="a", replicas=1)
    assert "single-replica" in ids(run(webhook_config(), service(), one))
    assert "single-replica" not in ids(run(webhook_config(), service(), one, workload(name="b", replicas=3)))
    hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"namespace": "hooks", "name": "h"},
           "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "a"}, "minReplicas": 2, "maxReplicas": 4}}
    assert "single-replica" not in ids(run(webhook_config(), service(), one, hpa))
    hpa_other = copy.deepcopy(hpa)
    hpa_other["spec"]["scaleTargetRef"]["kind"] = "StatefulSet"
    assert "single-replica" in ids(run(webhook_config(), service(), one, hpa_other))
    assert "single-replica" not in ids(run(webhook_config(failurePolicy="Ignore"), service(), one))


def test_no_pdb_rules():
    w = workload()
    assert "no-pdb" in ids(run(webhook_config(), service(), w))
    assert "no-pdb" not in ids(run(webhook_config(), service(), w, pdb({"matchLabels": {"app": "hook"}})))
    assert "no-pdb" not in ids(run(webhook_config(), service(), w, pdb({})))  # empty selector: every pod
    assert "no-pdb" in ids(run(webhook_config(), service(), w, pdb({"matchLabels": {"app": "hook"}}, ns="other")))
    assert "no-pdb" in ids(run(webhook_config(), service(), w, pdb(
        {"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["admission"]}]})))
    # no desired pod: nothing to protect
    assert "no-pdb" not in ids(run(webhook_config(), service(), workload(replicas=0)))


@pytest.mark.parametrize(
    "resources,fires",
    [
        ({}, True),
        ({"requests": {"cpu": "1"}}, True),  # memory missing
        ({"limits": {"cpu": "1", "memory": "1Gi"}}, False),  # limits become requests
        ({"requests": {"memory": "1Gi"}, "limits": {"cpu": "1"}}, False),
    ],
)
def test_no_resource_requests(resources, fires):
    w = workload(containers=[{"name": "c", "resources": resources}], replicas=0)
    result = run(webhook_config(failurePolicy="Ignore"), service(), w)
    assert ("no-resource-requests" in ids(result)) is fires


# --- namespaces -----------------------------------------------------------------------------------------------


def test_namespace_selector_uses_namespace_object_labels():
    sel = {"matchExpressions": [{"key": "control-plane", "operator": "DoesNotExist"}]}
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-system", "labels": {"control-plane": "true"}}}
    assert "covers-kube-system" in ids(run(webhook_config(namespaceSelector=sel)))
    assert "covers-kube-system" not in ids(run(webhook_config(namespaceSelector=sel), ns))


def test_cluster_scoped_rules_cover_no_namespace():
    rules = [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["namespaces"], "scope": "Cluster"}]
    assert ids(run(webhook_config(namespaceSelector=None, rules=rules))) == []


def test_object_selector_does_not_prove_a_namespace_safe():
    found = ids(run(webhook_config(namespaceSelector=None, objectSelector={"matchLabels": {"x": "y"}})))
    assert "covers-kube-system" in found and "covers-own-namespace" in found


def test_webhook_in_kube_system_fires_both():
    cfg = webhook_config(namespaceSelector=None, clientConfig={"service": {"namespace": "kube-system", "name": "s"}})
    found = ids(run(cfg))
    assert "covers-kube-system" in found and "covers-own-namespace" in found


def test_broad_scope_needs_star_group_and_star_resource():
    star = [{"apiGroups": ["*"], "apiVersions": ["*"], "operations": ["*"], "resources": ["*"]}]
    assert "broad-scope" in ids(run(webhook_config(rules=star)))
    group_only = [{"apiGroups": ["apps"], "apiVersions": ["*"], "operations": ["*"], "resources": ["*"]}]
    assert "broad-scope" not in ids(run(webhook_config(rules=group_only)))


def test_shared_namespace_without_service_object():
    cfg = webhook_config(clientConfig={"service": {"namespace": "default", "name": "hook"}})
    assert "shared-namespace" in ids(run(cfg))


# --- metrics --------------------------------------------------------------------------------------------------


def test_metric_type_label_selects_validating_or_mutating():
    text = 'apiserver_admission_webhook_rejection_count{name="hook.example.com",type="admit",error_type="calling_webhook_error"} 4\n'
    result = run(webhook_config(), webhook_config(kind="MutatingWebhookConfiguration"), scrapes=[text])
    assert "calling-errors" not in ids(result)
    assert "calling-errors" in ids(result, "MutatingWebhookConfiguration/cfg/hook.example.com")


def test_metric_without_type_label_matches_both_kinds():
    text = 'apiserver_admission_webhook_fail_open_count{name="hook.example.com"} 1\n'
    result = run(webhook_config(), webhook_config(kind="MutatingWebhookConfiguration"), scrapes=[text])
    assert "fail-open-events" in ids(result)
    assert "fail-open-events" in ids(result, "MutatingWebhookConfiguration/cfg/hook.example.com")


def test_apiserver_internal_error_counts_as_calling_error():
    text = 'apiserver_admission_webhook_rejection_count{name="hook.example.com",type="validating",error_type="apiserver_internal_error"} 1\n'
    assert "calling-errors" in ids(run(webhook_config(), scrapes=[text]))


def _hist(counts, bounds=("0.1", "0.5", "1", "+Inf"), name="hook.example.com"):
    return "".join(
        f'apiserver_admission_webhook_admission_duration_seconds_bucket{{name="{name}",type="validating",le="{b}"}} {c}\n'
        for b, c in zip(bounds, counts)
    )


def test_slow_webhook_sums_files_and_needs_20_observations():
    # timeout 2s -> threshold 1s; 10 + 10 slow observations in the +Inf bucket: p99 = highest finite bound 1.0
    assert "slow-webhook" not in ids(run(webhook_config(), scrapes=[_hist([0, 0, 0, 10]), _hist([0, 0, 0, 9])]))
    found = ids(run(webhook_config(timeoutSeconds=1), scrapes=[_hist([0, 0, 0, 10]), _hist([0, 0, 0, 10])]))
    assert "slow-webhook" in found  # 20 observations, p99 1.0 > 0.5


def test_histogram_quantile_matches_prometheus_interpolation():
    buckets = [(0.1, 50.0), (0.5, 90.0), (1.0, 100.0), (math.inf, 100.0)]
    # rank 99 lies in (0.5, 1]: 0.5 + 0.5 * (99 - 90) / (100 - 90)
    assert histogram_quantile(0.99, buckets) == pytest.approx(0.95)
    assert histogram_quantile(0.5, buckets) == pytest.approx(0.1)
    assert histogram_quantile(0.25, buckets) == pytest.approx(0.05)  # first bucket interpolates from 0
    assert histogram_quantile(0.99, [(1.0, 0.0), (math.inf, 10.0)]) == 1.0  # in +Inf: highest finite bound
    assert math.isnan(histogram_quantile(0.99, [(1.0, 5.0)]))  # no +Inf bucket


# --- logs -----------------------------------------------------------------------------------------------------


def test_call_failures_cause_order_and_escaped_quotes():
    logs = [
        'err="failed calling webhook \\"hook.example.com\\": Post \\"https://x\\": x509: cert; context deadline exceeded"',
        'failed calling webhook "hook.example.com": dial tcp: connection refused',
        'failed calling webhook "hook.example.com": something odd',
        'failed calling webhook "other.example.com": no endpoints available for service',
    ]
    result = run(webhook_config(), logs=logs)
    (finding,) = [f for f in result.findings if f.id == "call-failures"]
    assert finding.evidence == {
        "count": 3,
        "by_cause": {"timeout": 1, "connection-refused": 1, "other": 1},
        "first": None,
        "last": None,
    }


def test_call_failures_go_to_every_webhook_of_that_name():
    logs = ['failed calling webhook "hook.example.com": no endpoints available for service "hook-svc"']
    result = run(webhook_config(), webhook_config(name="cfg2"), logs=logs)
    assert sorted(f.target for f in result.findings if f.id == "call-failures") == [
        TARGET, "ValidatingWebhookConfiguration/cfg2/hook.example.com"]


def test_events_count_series_and_deprecated_count():
    def event(**fields):
        base = {"metadata": {"name": f"e{len(fields)}", "namespace": "a"}}
        base.update(fields)
        return base

    core = event(apiVersion="v1", kind="Event", message='failed calling webhook "hook.example.com": i/o timeout',
                 series={"count": 5, "lastObservedTime": "2026-11-23T10:00:00Z"}, eventTime="2026-11-23T09:00:00.5Z")
    new = {"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "n1", "namespace": "a"},
           "note": 'failed calling webhook "hook.example.com": x509: certificate signed by unknown authority',
           "deprecatedCount": 3, "deprecatedFirstTimestamp": "2026-11-22T08:00:00Z", "deprecatedLastTimestamp": "2026-11-22T09:00:00Z"}
    result = run(webhook_config(), core, new)
    (finding,) = [f for f in result.findings if f.id == "call-failures"]
    assert finding.evidence == {"count": 8, "by_cause": {"timeout": 5, "tls": 3},
                                "first": "2026-11-22T08:00:00Z", "last": "2026-11-23T09:00:00.500000Z"}


def test_one_event_read_through_both_apis_counts_once():
    core = {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e1", "namespace": "a"},
            "message": 'failed calling webhook "hook.example.com": connection refused', "count": 3}
    new = {"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "e1", "namespace": "a"},
           "note": 'failed calling webhook "hook.example.com": connection refused', "deprecatedCount": 3}
    (finding,) = [f for f in run(webhook_config(), core, new).findings if f.id == "call-failures"]
    assert finding.evidence["count"] == 3
