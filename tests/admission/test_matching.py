"""Matching as k8s.io/apiserver does it: policy/matching/matching.go and webhook/predicates/{rules,namespace,object}.

Expected results follow the Go sources (rules.go Matches, namespace/matcher.go, object/matcher.go) and their
tests (rules_test.go TestResource: `r/*` matches r itself and every subresource of r, `*/proxy` only proxy
subresources, `*` every resource but no subresource).
"""

from __future__ import annotations

import pytest

from migrator.admission.attributes import Attributes
from migrator.admission.matching import matches, rule_matches
from migrator.admission.namespaces import NamespaceStore
from migrator.sources.documents import Document
from migrator.sources.vap import ResourceRule, read_policy


def rule(resources=("pods",), groups=("",), versions=("v1",), operations=("*",), names=(), scope="*"):
    return ResourceRule(tuple(groups), tuple(versions), tuple(operations), tuple(resources), tuple(names), scope)


def attrs(vap, **kw):
    obj = kw.pop("obj", vap.pod())
    return Attributes(vap.request(obj, **kw))


@pytest.mark.parametrize(
    "resources, sub, expected",
    [
        (["pods"], "", True),
        (["pods"], "status", False),  # a plain resource does not match its subresources
        (["pods/status"], "status", True),
        (["pods/status"], "", False),
        (["pods/*"], "status", True),
        (["pods/*"], "exec", True),
        (["pods/*"], "", True),  # rules.go: sub == "*" matches any subresource, including none
        (["*"], "", True),
        (["*"], "status", False),  # `*` is every resource, no subresource
        (["*/*"], "", True),
        (["*/*"], "status", True),
        (["*/status"], "status", True),
        (["*/status"], "exec", False),
        (["deployments"], "", False),
    ],
)
def test_resources_and_subresources(vap, resources, sub, expected):
    a = attrs(vap, sub=sub, operation="UPDATE")
    assert rule_matches(rule(resources), a, a.resource) is expected


@pytest.mark.parametrize(
    "operations, op, expected",
    [(["*"], "DELETE", True), (["CREATE"], "CREATE", True), (["CREATE"], "UPDATE", False), (["CONNECT"], "CONNECT", True)],
)
def test_operations(vap, operations, op, expected):
    a = attrs(vap, operation=op)
    assert rule_matches(rule(operations=operations), a, a.resource) is expected


def test_groups_and_versions_exact_or_wildcard(vap):
    a = Attributes(vap.request({"metadata": {"name": "d"}}, kind=("apps", "v1", "Deployment"), resource=("apps", "v1", "deployments")))
    assert rule_matches(rule(["deployments"], groups=["apps"], versions=["v1"]), a, a.resource)
    assert rule_matches(rule(["deployments"], groups=["*"], versions=["*"]), a, a.resource)
    assert not rule_matches(rule(["deployments"], groups=[""], versions=["v1"]), a, a.resource)
    assert not rule_matches(rule(["deployments"], groups=["apps"], versions=["v1beta1"]), a, a.resource)


def test_scope(vap):
    namespaced = attrs(vap)
    cluster = Attributes(vap.request({"metadata": {"name": "n1"}}, kind=("", "v1", "Node"), resource=("", "v1", "nodes"), namespace=""))
    ns = Attributes(vap.request({"metadata": {"name": "team"}}, kind=("", "v1", "Namespace"), resource=("", "v1", "namespaces"), namespace="team"))
    any_resource = ["*"]
    assert rule_matches(rule(any_resource, scope="Namespaced"), namespaced, namespaced.resource)
    assert not rule_matches(rule(any_resource, scope="Namespaced"), cluster, cluster.resource)
    assert rule_matches(rule(any_resource, scope="Cluster"), cluster, cluster.resource)
    assert not rule_matches(rule(any_resource, scope="Cluster"), namespaced, namespaced.resource)
    # A Namespace is cluster-scoped even when the request names it as its own namespace.
    assert rule_matches(rule(any_resource, scope="Cluster"), ns, ns.resource)
    assert not rule_matches(rule(any_resource, scope="Namespaced"), ns, ns.resource)


def constraints(vap, **match):
    return read_policy(Document("t.yaml", 0, 1, vap.policy(matchConstraints=match))).match_constraints


def test_resource_names(vap):
    c = constraints(vap, resourceRules=[{**vap.POD_RULE, "resourceNames": ["web"]}])
    assert matches(c, attrs(vap, obj=vap.pod("web")), NamespaceStore()).matches
    assert not matches(c, attrs(vap, obj=vap.pod("api")), NamespaceStore()).matches


def test_exclude_resource_rules_win(vap):
    c = constraints(
        vap,
        resourceRules=[{"apiGroups": ["*"], "apiVersions": ["*"], "operations": ["*"], "resources": ["*"]}],
        excludeResourceRules=[{**vap.POD_RULE, "resourceNames": ["web"]}],
    )
    assert not matches(c, attrs(vap, obj=vap.pod("web")), NamespaceStore()).matches
    assert matches(c, attrs(vap, obj=vap.pod("api")), NamespaceStore()).matches


def test_namespace_selector_uses_namespace_objects_and_the_default_label(vap):
    c = constraints(vap, namespaceSelector={"matchExpressions": [{"key": "env", "operator": "In", "values": ["prod"]}]})
    store = NamespaceStore([vap.param({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop", "labels": {"env": "prod"}}})])
    assert matches(c, attrs(vap, namespace="shop"), store).matches
    assert not matches(c, attrs(vap, namespace="default"), store).matches
    # Without a Namespace object: the API server's own label kubernetes.io/metadata.name is still there.
    by_name = constraints(vap, namespaceSelector={"matchLabels": {"kubernetes.io/metadata.name": "default"}})
    assert matches(by_name, attrs(vap, namespace="default"), NamespaceStore()).matches
    assert not matches(by_name, attrs(vap, namespace="other"), NamespaceStore()).matches


@pytest.mark.parametrize(
    "expr, labels, expected",
    [
        ({"key": "env", "operator": "NotIn", "values": ["dev"]}, {}, True),  # NotIn holds for a missing label
        ({"key": "env", "operator": "NotIn", "values": ["dev"]}, {"env": "dev"}, False),
        ({"key": "env", "operator": "Exists"}, {"env": ""}, True),
        ({"key": "env", "operator": "DoesNotExist"}, {"env": "x"}, False),
        ({"key": "env", "operator": "DoesNotExist"}, {}, True),
    ],
)
def test_selector_operators(vap, expr, labels, expected):
    c = constraints(vap, objectSelector={"matchExpressions": [expr]})
    assert matches(c, attrs(vap, obj=vap.pod(labels=labels)), NamespaceStore()).matches is expected


def test_cluster_scoped_requests_ignore_the_namespace_selector(vap):
    c = constraints(
        vap,
        resourceRules=[{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["*"], "resources": ["nodes"]}],
        namespaceSelector={"matchLabels": {"env": "prod"}},
    )
    node = Attributes(vap.request({"metadata": {"name": "n1"}}, kind=("", "v1", "Node"), resource=("", "v1", "nodes"), namespace=""))
    assert matches(c, node, NamespaceStore()).matches


def test_namespace_requests_match_the_selector_by_their_own_labels(vap):
    rules = [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["*"], "resources": ["namespaces"]}]
    c = constraints(vap, resourceRules=rules, namespaceSelector={"matchLabels": {"env": "prod"}})
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop", "labels": {"env": "prod"}}}
    create = Attributes(vap.request(ns, kind=("", "v1", "Namespace"), resource=("", "v1", "namespaces"), namespace=""))
    assert matches(c, create, NamespaceStore()).matches
    # DELETE looks the namespace up (here: the default object, without env=prod).
    delete = Attributes(vap.request(None, old=ns, operation="DELETE", kind=("", "v1", "Namespace"), resource=("", "v1", "namespaces"), namespace="", name="shop"))
    assert not matches(c, delete, NamespaceStore()).matches


def test_object_selector_matches_object_or_old_object(vap):
    c = constraints(vap, resourceRules=[{**vap.POD_RULE, "operations": ["*"]}], objectSelector={"matchLabels": {"team": "a"}})
    old_only = attrs(vap, obj=vap.pod(labels={}), old=vap.pod(labels={"team": "a"}), operation="UPDATE")
    assert matches(c, old_only, NamespaceStore()).matches
    neither = attrs(vap, obj=vap.pod(labels={"team": "b"}), operation="CREATE")
    assert not matches(c, neither, NamespaceStore()).matches
    # DELETE: no object, the old object decides.
    delete = attrs(vap, obj=None, old=vap.pod(labels={"team": "a"}), operation="DELETE", name="web")
    assert matches(c, delete, NamespaceStore()).matches


def test_match_policy_equivalent_uses_the_recorded_resource(vap):
    """A webhook recorded the request as apps/v1 while the client sent apps/v1beta2: Equivalent matches a rule
    for apps/v1, Exact does not."""
    rules = [{"apiGroups": ["apps"], "apiVersions": ["v1"], "operations": ["*"], "resources": ["deployments"]}]
    a = Attributes(
        vap.request(
            {"metadata": {"name": "d"}}, kind=("apps", "v1", "Deployment"), resource=("apps", "v1", "deployments"),
            requestKind={"group": "apps", "version": "v1beta2", "kind": "Deployment"},
            requestResource={"group": "apps", "version": "v1beta2", "resource": "deployments"},
        )
    )
    equivalent = matches(constraints(vap, resourceRules=rules), a, NamespaceStore())
    assert equivalent.matches and equivalent.resource.version == "v1" and equivalent.kind.version == "v1"
    exact = matches(constraints(vap, resourceRules=rules, matchPolicy="Exact"), a, NamespaceStore())
    assert not exact.matches
