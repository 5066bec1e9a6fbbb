"""Kubernetes CEL `authz` library (k8s.io/apiserver pkg/cel/library/authz.go) with the 1.31 selectors.

    authorizer.group(g).resource(r).subresource(s).namespace(ns).name(n).check(verb).allowed()
    authorizer.path(p).check(verb).reason()
    authorizer.serviceAccount(ns, name).group(...)...
    authorizer.requestResource.check(verb)            # the admitted request's own resource
    <ResourceCheck>.fieldSelector(s) / .labelSelector(s)
    <Decision>.allowed() / reason() / errored() / error()

The API server asks its real authorizer chain; migrator asks a configurable Python authorizer instead:
allow-all by default, or rules from a YAML/JSON file (load_authorizer, format in docs/cel-libraries.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Protocol

from celpy import celtypes

from migrator.cel.engine import EvaluationError
from migrator.cel.library import Library
from migrator.cel.library._validation import is_dns1123_label, is_dns1123_subdomain

ALLOW, DENY, NO_OPINION = "Allow", "Deny", "NoOpinion"


@dataclass(frozen=True)
class UserInfo:
    name: str = ""
    uid: str = ""
    groups: tuple[str, ...] = ()
    extra: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class Attributes:
    """authorizer.AttributesRecord as the CEL library fills it."""

    user: UserInfo
    verb: str
    resource_request: bool
    api_group: str = ""
    api_version: str = ""
    resource: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""
    path: str = ""
    field_selector: str = ""
    label_selector: str = ""


@dataclass(frozen=True)
class Decision:
    """kubernetes.authorization.Decision."""

    decision: str
    reason: str = ""
    error: str | None = None

    cel_type_name = "kubernetes.authorization.Decision"


class DecisionSource(Protocol):
    def authorize(self, attributes: Attributes) -> Decision: ...


class AllowAll:
    """The default authorizer: every check is allowed."""

    def authorize(self, attributes: Attributes) -> Decision:
        return Decision(ALLOW, "")


def _matches(values: tuple[str, ...] | None, value: str) -> bool:
    return values is None or "*" in values or value in values


@dataclass(frozen=True)
class Rule:
    """One rule of a rules file; None means "any"."""

    verbs: tuple[str, ...]
    users: tuple[str, ...] | None = None
    groups: tuple[str, ...] | None = None
    api_groups: tuple[str, ...] | None = None
    resources: tuple[str, ...] | None = None
    namespaces: tuple[str, ...] | None = None
    names: tuple[str, ...] | None = None
    non_resource_urls: tuple[str, ...] | None = None
    allowed: bool = True
    reason: str = ""
    error: str | None = None

    def _subject_matches(self, user: UserInfo) -> bool:
        if self.users is None and self.groups is None:
            return True
        if self.users is not None and ("*" in self.users or user.name in self.users):
            return True
        if self.groups is not None and ("*" in self.groups or any(g in self.groups for g in user.groups)):
            return True
        return False

    def _resource_matches(self, resource: str, subresource: str) -> bool:
        if self.resources is None:
            return True
        combined = f"{resource}/{subresource}" if subresource else resource
        for r in self.resources:
            if r == "*" or r == combined:
                return True
            if subresource and (r == f"*/{subresource}" or r == f"{resource}/*"):
                return True
        return False

    def _url_matches(self, path: str) -> bool:
        if self.non_resource_urls is None:
            return True
        for u in self.non_resource_urls:
            if u == "*" or u == path or (u.endswith("*") and path.startswith(u[:-1])):
                return True
        return False

    def matches(self, a: Attributes) -> bool:
        if not self._subject_matches(a.user) or not _matches(self.verbs, a.verb):
            return False
        if a.resource_request:
            if self.non_resource_urls is not None and self.resources is None:
                return False
            return (
                _matches(self.api_groups, a.api_group)
                and self._resource_matches(a.resource, a.subresource)
                and _matches(self.namespaces, a.namespace)
                and _matches(self.names, a.name)
            )
        if self.resources is not None and self.non_resource_urls is None:
            return False
        return self._url_matches(a.path)


@dataclass
class RulesAuthorizer:
    """First matching rule decides; no matching rule is NoOpinion (not allowed), as with an RBAC miss."""

    rules: list[Rule] = field(default_factory=list)

    def authorize(self, attributes: Attributes) -> Decision:
        for rule in self.rules:
            if rule.matches(attributes):
                if rule.error is not None:
                    return Decision(NO_OPINION, rule.reason, rule.error)
                return Decision(ALLOW if rule.allowed else DENY, rule.reason)
        return Decision(NO_OPINION, "")


# ---- CEL values -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AuthorizerValue:
    """kubernetes.authorization.Authorizer: who asks (the request's user) and who answers."""

    user: UserInfo
    source: Any = field(default_factory=AllowAll, compare=False)

    cel_type_name = "kubernetes.authorization.Authorizer"

    def for_request(self, request: Mapping[str, Any] | None) -> dict[str, Any]:
        """Activation entries for one admission request: `authorizer` bound to the request's user and
        `authorizer.requestResource` for its resource (NewResourceAuthorizerVal)."""
        request = request or {}
        info = request.get("userInfo") or {}
        extra = info.get("extra") or {}
        user = UserInfo(
            name=str(info.get("username") or ""),
            uid=str(info.get("uid") or ""),
            groups=tuple(str(g) for g in (info.get("groups") or ())),
            extra=tuple((str(k), tuple(str(x) for x in v or ())) for k, v in extra.items()),
        )
        authz = AuthorizerValue(user, self.source)
        resource = request.get("resource") or {}
        check = ResourceCheck(
            GroupCheck(authz, str(resource.get("group") or "")),
            resource=str(resource.get("resource") or ""),
            subresource=str(request.get("subResource") or ""),
            namespace=str(request.get("namespace") or ""),
            name=str(request.get("name") or ""),
        )
        return {"authorizer": authz, "authorizer.requestResource": check}


@dataclass(frozen=True)
class PathCheck:
    authorizer: AuthorizerValue
    path: str

    cel_type_name = "kubernetes.authorization.PathCheck"


@dataclass(frozen=True)
class GroupCheck:
    authorizer: AuthorizerValue
    group: str

    cel_type_name = "kubernetes.authorization.GroupCheck"


@dataclass(frozen=True)
class ResourceCheck:
    group_check: GroupCheck
    resource: str
    subresource: str = ""
    namespace: str = ""
    name: str = ""
    field_selector: str = ""
    label_selector: str = ""

    cel_type_name = "kubernetes.authorization.ResourceCheck"


def _path(a: AuthorizerValue, path: str) -> PathCheck:
    if not str(path).strip():
        raise EvaluationError("path must not be empty")
    return PathCheck(a, str(path))


def _service_account(a: AuthorizerValue, namespace: str, name: str) -> AuthorizerValue:
    namespace, name = str(namespace), str(name)
    if is_dns1123_subdomain(name):
        raise EvaluationError("Invalid service account name")
    if is_dns1123_label(namespace):
        raise EvaluationError("Invalid service account namespace")
    user = UserInfo(
        name=f"system:serviceaccount:{namespace}:{name}",
        groups=("system:serviceaccounts", f"system:serviceaccounts:{namespace}"),
    )
    return AuthorizerValue(user, a.source)


def _resource(g: GroupCheck, resource: str) -> ResourceCheck:
    if not str(resource).strip():
        raise EvaluationError("resource must not be empty")
    return ResourceCheck(g, str(resource))


def _path_check(p: PathCheck, verb: str) -> Decision:
    return p.authorizer.source.authorize(Attributes(user=p.authorizer.user, verb=str(verb), resource_request=False, path=p.path))


def _resource_check(r: ResourceCheck, verb: str) -> Decision:
    a = r.group_check.authorizer
    attrs = Attributes(
        user=a.user,
        verb=str(verb),
        resource_request=True,
        api_group=r.group_check.group,
        api_version="*",
        resource=r.resource,
        subresource=r.subresource,
        namespace=r.namespace,
        name=r.name,
        field_selector=r.field_selector,
        label_selector=r.label_selector,
    )
    return a.source.authorize(attrs)


_A, _P, _G, _R, _D = (
    "kubernetes.authorization.Authorizer",
    "kubernetes.authorization.PathCheck",
    "kubernetes.authorization.GroupCheck",
    "kubernetes.authorization.ResourceCheck",
    "kubernetes.authorization.Decision",
)

LIBRARY = Library(
    name="kubernetes.authz",
    types={_A: AuthorizerValue, _P: PathCheck, _G: GroupCheck, _R: ResourceCheck, _D: Decision},
)
LIBRARY.add("path", _path, (_A, "string"), _P, member=True)
LIBRARY.add("group", lambda a, g: GroupCheck(a, str(g)), (_A, "string"), _G, member=True)
LIBRARY.add("serviceAccount", _service_account, (_A, "string", "string"), _A, member=True)
LIBRARY.add("resource", _resource, (_G, "string"), _R, member=True)
LIBRARY.add("subresource", lambda r, s: replace(r, subresource=str(s)), (_R, "string"), _R, member=True)
LIBRARY.add("namespace", lambda r, s: replace(r, namespace=str(s)), (_R, "string"), _R, member=True)
LIBRARY.add("name", lambda r, s: replace(r, name=str(s)), (_R, "string"), _R, member=True)
LIBRARY.add("fieldSelector", lambda r, s: replace(r, field_selector=str(s)), (_R, "string"), _R, member=True)
LIBRARY.add("labelSelector", lambda r, s: replace(r, label_selector=str(s)), (_R, "string"), _R, member=True)
LIBRARY.add("check", _path_check, (_P, "string"), _D, member=True)
LIBRARY.add("check", _resource_check, (_R, "string"), _D, member=True)
LIBRARY.add("allowed", lambda d: celtypes.BoolType(d.decision == ALLOW), (_D,), "bool", member=True)
LIBRARY.add("reason", lambda d: celtypes.StringType(d.reason), (_D,), "string", member=True)
LIBRARY.add("errored", lambda d: celtypes.BoolType(d.error is not None), (_D,), "bool", member=True)
LIBRARY.add("error", lambda d: celtypes.StringType(d.error or ""), (_D,), "string", member=True)


# ---- rules files ----------------------------------------------------------------------------------------

_RULE_KEYS = {
    "verbs": "verbs",
    "users": "users",
    "groups": "groups",
    "apiGroups": "api_groups",
    "resources": "resources",
    "namespaces": "namespaces",
    "names": "names",
    "nonResourceURLs": "non_resource_urls",
}


def parse_rules(doc: Any, path: str | None = None) -> RulesAuthorizer:
    """A rules document: a list of rules, or a mapping with `rules:` (see docs/cel-libraries.md)."""
    from migrator.errors import InputError

    if isinstance(doc, dict):
        unknown = sorted(set(doc) - {"rules"})
        if unknown:
            raise InputError(path, f"unknown field {unknown[0]!r} (expected 'rules')")
        doc = doc.get("rules")
    if not isinstance(doc, list):
        raise InputError(path, "an authorizer rules file is a list of rules (or a mapping with 'rules:')")
    rules: list[Rule] = []
    for i, item in enumerate(doc):
        where = f"rules[{i}]"
        if not isinstance(item, dict):
            raise InputError(path, "a rule must be a mapping", where)
        kwargs: dict[str, Any] = {}
        for key, value in item.items():
            if key in _RULE_KEYS:
                if isinstance(value, str):
                    value = [value]
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise InputError(path, f"{key} must be a list of strings", f"{where}.{key}")
                kwargs[_RULE_KEYS[key]] = tuple(value)
            elif key == "allowed":
                if not isinstance(value, bool):
                    raise InputError(path, "allowed must be true or false", f"{where}.allowed")
                kwargs["allowed"] = value
            elif key in ("reason", "error"):
                if not isinstance(value, str):
                    raise InputError(path, f"{key} must be a string", f"{where}.{key}")
                kwargs[key] = value
            else:
                raise InputError(path, f"unknown field {key!r}", where)
        if "verbs" not in kwargs:
            raise InputError(path, "verbs is required (use ['*'] for any verb)", where)
        rules.append(Rule(**kwargs))
    return RulesAuthorizer(rules)


def load_authorizer(path: str | None = None) -> AuthorizerValue:
    """The `authorizer` value: allow-all without a file, else the rules of `path` (YAML or JSON).

    Bind it per request with `.for_request(request)`, which also gives `authorizer.requestResource`."""
    if path is None:
        return AuthorizerValue(UserInfo(), AllowAll())
    from migrator.errors import InputError
    from migrator.sources.documents import load_documents

    docs = load_documents(path, expand_lists=False)
    if len(docs) != 1:
        raise InputError(path, f"expected one document of authorizer rules, found {len(docs)}")
    return AuthorizerValue(UserInfo(), parse_rules(docs[0].obj, path))
