"""Does a request match criteria (policy/matching/matching.go, webhook/predicates/{rules,namespace,object}).

Pure: no CEL. Order and error handling follow Matcher.Matches: namespace selector, object selector,
excludeResourceRules, resourceRules (empty rules match everything, as for a binding's matchResources).

matchPolicy Equivalent without discovery data: the API server asks its RESTMapper for every resource
equivalent to the request's (same group-resource in other versions, or the same kind in another group).
migrator has no discovery data; the only equivalent it knows is the recorded `resource`/`kind` of a sample
whose `requestResource` differs (the recording webhook matched it as an equivalent). With Equivalent, a rule
matching that recorded resource matches, and CEL's `request.kind`/`request.resource` are the recorded ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from migrator.admission.attributes import GVK, GVR, NAMESPACE_GVR, Attributes
from migrator.admission.labels import object_labels, selector_matches
from migrator.admission.namespaces import NamespaceStore
from migrator.sources.vap import MatchResources, ResourceRule


@dataclass(frozen=True)
class MatchResult:
    matches: bool
    resource: GVR | None = None
    kind: GVK | None = None
    error: str | None = None


NO_MATCH = MatchResult(False)


def _exact_or_wildcard(items: tuple[str, ...], requested: str) -> bool:
    return "*" in items or requested in items


def rule_matches(rule: ResourceRule, attrs: Attributes, resource: GVR) -> bool:
    """rules.Matcher.Matches: scope, operation, group, version, resource/subresource (`*`, `*/*`, `pods/*`)."""
    if rule.scope == "Namespaced":
        if resource == NAMESPACE_GVR or not attrs.namespace:
            return False
    elif rule.scope == "Cluster":
        if not (resource == NAMESPACE_GVR or not attrs.namespace):
            return False
    if "*" not in rule.operations and attrs.operation not in rule.operations:
        return False
    if not _exact_or_wildcard(rule.api_groups, resource.group):
        return False
    if not _exact_or_wildcard(rule.api_versions, resource.version):
        return False
    for item in rule.resources:
        res, _, sub = item.partition("/")
        if (res == "*" or res == resource.resource) and (sub == "*" or sub == attrs.subresource):
            return True
    return False


def _named(rule: ResourceRule, attrs: Attributes) -> bool:
    return not rule.resource_names or attrs.name in rule.resource_names


def matches_resource_rules(rules: tuple[ResourceRule, ...], match_policy: str, attrs: Attributes) -> MatchResult:
    """matchesResourceRules: the request's own resource first, then (Equivalent) its equivalent resource."""
    for rule in rules:
        if rule_matches(rule, attrs, attrs.resource) and _named(rule, attrs):
            return MatchResult(True, attrs.resource, attrs.kind)
    if match_policy != "Equivalent" or attrs.equivalent is None:
        return NO_MATCH
    resource, kind = attrs.equivalent
    for rule in rules:
        if rule_matches(rule, attrs, resource) and _named(rule, attrs):
            return MatchResult(True, resource, kind)
    return NO_MATCH


def namespace_labels(attrs: Attributes, namespaces: NamespaceStore) -> dict:
    """namespace.Matcher.GetNamespaceLabels: a Namespace being created or updated is matched by its own labels."""
    if attrs.resource.resource == "namespaces" and not attrs.subresource and attrs.operation in ("CREATE", "UPDATE"):
        return dict(object_labels(attrs.object) or {})
    name = attrs.namespace
    if not name and attrs.resource.resource == "namespaces":
        name = attrs.name  # a recorded Namespace request may leave `namespace` empty: the object is its own
    return namespaces.labels(name)


def matches_namespace_selector(criteria: MatchResources, attrs: Attributes, namespaces: NamespaceStore) -> bool:
    """Cluster-scoped requests (other than namespaces) always match the namespace selector."""
    if not attrs.namespace and attrs.resource.resource != "namespaces":
        return True
    if criteria.namespace_selector.empty:
        return True
    return selector_matches(criteria.namespace_selector, namespace_labels(attrs, namespaces))


def matches_object_selector(criteria: MatchResources, attrs: Attributes) -> bool:
    """The object or the old object must match; a request without either does not match a non-empty selector."""
    if criteria.object_selector.empty:
        return True
    for obj in (attrs.object, attrs.old_object):
        labels = object_labels(obj)
        if labels is not None and selector_matches(criteria.object_selector, labels):
            return True
    return False


def matches(criteria: MatchResources, attrs: Attributes, namespaces: NamespaceStore) -> MatchResult:
    """Matcher.Matches: selectors, then exclusions, then resource rules (none = everything)."""
    if not matches_namespace_selector(criteria, attrs, namespaces):
        return NO_MATCH
    if not matches_object_selector(criteria, attrs):
        return NO_MATCH
    if matches_resource_rules(criteria.exclude_resource_rules, criteria.match_policy, attrs).matches:
        return NO_MATCH
    if not criteria.resource_rules:
        return MatchResult(True, attrs.resource, attrs.kind)
    return matches_resource_rules(criteria.resource_rules, criteria.match_policy, attrs)
