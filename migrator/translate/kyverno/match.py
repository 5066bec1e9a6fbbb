"""Kyverno `match` / `exclude` -> ValidatingAdmissionPolicy matchConstraints + matchConditions.

Kyverno semantics (pkg/engine/utils/match.go, pkg/utils/match): a resource filter matches when every attribute it sets
matches (operations, kinds, name/names, namespaces, annotations, selector, namespaceSelector, roles, clusterRoles,
subjects); `match.any` needs one filter, `match.all` every filter; `exclude.any` excludes when one filter matches,
`exclude.all` when all do. Names, namespaces, annotations and subjects use wildcards `*` / `?`.

What we emit:
- resourceRules: a superset of the matched requests (union over filters of kinds x operations). When every filter sets
  only built-in kinds and operations, the resourceRules are exact and nothing else is needed.
- otherwise one matchCondition with the exact predicate on `request` (+ `namespaceObject` for namespaceSelector), and
  one for the exclusion. Conditions are written so they never raise (every optional field behind `has()`), because an
  error in a matchCondition would apply the failurePolicy instead of "no match".
- roles / clusterRoles: a VAP cannot see the requester's RBAC roles -> Unsupported in `match`; in `exclude` the filter is
  dropped and the rule is `partial` (the generated policy is stricter than Kyverno's).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from migrator.translate.cel_literal import quote
from migrator.translate.kyverno.kinds import BUILTIN_KINDS, MULTI_GROUP_KINDS, KindSelector, parse_kind_selector
from migrator.translate.kyverno.scope import Unsupported

ALL_OPERATIONS = ["CREATE", "UPDATE", "DELETE", "CONNECT"]

# The object Kyverno matches against: the new object, or the old one on DELETE.
RESOURCE = "(object != null ? object : oldObject)"
SUBRESOURCE = '(has(request.subResource) ? request.subResource : "")'
NAME = (
    '(has(request.name) && request.name != "" ? request.name : '
    '(object != null && has(object.metadata.generateName) ? object.metadata.generateName : ""))'
)
NAMESPACE = (
    '(request.resource.group == "" && request.resource.resource == "namespaces" ? '
    '(has(request.name) ? request.name : "") : (has(request.namespace) ? request.namespace : ""))'
)
USERNAME = '(has(request.userInfo.username) ? request.userInfo.username : "")'
IS_NAMESPACE = '(request.resource.group == "" && request.resource.resource == "namespaces")'

RESOURCE_DESCRIPTION_KEYS = {"kinds", "name", "names", "namespaces", "annotations", "selector", "namespaceSelector", "operations"}
USER_INFO_KEYS = {"roles", "clusterRoles", "subjects"}


@dataclass
class MatchTranslation:
    """matchConstraints pieces and conditions for one rule."""

    resource_rules: list[dict[str, Any]] = field(default_factory=list)
    conditions: list[dict[str, str]] = field(default_factory=list)  # [{"name", "expression"}]
    dropped: list[str] = field(default_factory=list)  # what was left out (makes the rule partial)
    kinds: list[KindSelector] = field(default_factory=list)  # every kind selector of the match block
    # Kyverno re-matches the old object as a CREATE for its existing-violation check (validateOldObject):
    # the match/exclude predicate with the old object and operation CREATE.
    old_object_match: str = "true"

    def match_constraints(self) -> dict[str, Any]:
        return {"resourceRules": self.resource_rules, "matchPolicy": "Equivalent"}


# ---- wildcards and selectors -------------------------------------------------------------------------------------

def wildcard_cel(pattern: str, subject: str) -> str:
    """CEL bool: `subject` matches Kyverno's wildcard `pattern` (go-wildcard v1: `*` any run, `?` one character)."""
    if not isinstance(pattern, str):
        raise Unsupported(f"non-string wildcard pattern {pattern!r}")
    if "*" not in pattern and "?" not in pattern:
        return f"{subject} == {quote(pattern)}"
    if pattern and set(pattern) == {"*"}:
        return "true"
    body = pattern.rstrip("*")
    if "*" not in body and "?" not in body and pattern.endswith("*"):
        return f"{subject}.startsWith({quote(body)})"
    regex = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return f"{subject}.matches({quote('(?s)^' + regex + '$')})"


def any_of(parts: list[str]) -> str:
    parts = [p for p in parts if p != "false"]
    if not parts:
        return "false"
    if "true" in parts:
        return "true"
    return parts[0] if len(parts) == 1 else "(" + " || ".join(parts) + ")"


def all_of(parts: list[str]) -> str:
    parts = [p for p in parts if p != "true"]
    if not parts:
        return "true"
    if "false" in parts:
        return "false"
    return parts[0] if len(parts) == 1 else "(" + " && ".join(parts) + ")"


def label_selector_cel(selector: Any, labels: str, guard: str, what: str) -> str:
    """CEL bool for a metav1.LabelSelector over the map `labels` (present when `guard` holds)."""
    if selector is None:
        return "true"
    if not isinstance(selector, dict):
        raise Unsupported(f"{what} is not a label selector")
    parts: list[str] = []
    for key, value in (selector.get("matchLabels") or {}).items():
        if any(c in str(key) + str(value) for c in "*?"):
            # Kyverno's wildcards.ReplaceInSelector: the entry becomes a label of the object that matches both
            # wildcards, if there is one (otherwise `*`/`?` turn into `0`, which no label can then match)
            parts.append(f"({guard} && {labels}.exists(lk, {wildcard_cel(str(key), 'lk')} && "
                         f"{wildcard_cel(str(value), labels + '[lk]')}))")
            continue
        k, v = quote(str(key)), quote(str(value))
        parts.append(f"({guard} && {k} in {labels} && {labels}[{k}] == {v})")
    for expr in selector.get("matchExpressions") or []:
        if not isinstance(expr, dict):
            raise Unsupported(f"malformed {what}.matchExpressions")
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if not isinstance(key, str) or any(c in key for c in "*?") or any(c in str(v) for v in values for c in "*?"):
            raise Unsupported(f"wildcards in {what}.matchExpressions")
        k = quote(key)
        present = f"({guard} && {k} in {labels})"
        if op in ("In", "NotIn"):
            if not values:
                raise Unsupported(f"{what}: operator {op} without values")
            listed = "[" + ", ".join(quote(str(v)) for v in values) + "]"
            test = f"({guard} && {k} in {labels} && {labels}[{k}] in {listed})"
            parts.append(test if op == "In" else f"!{test}")
        elif op == "Exists":
            parts.append(present)
        elif op == "DoesNotExist":
            parts.append(f"!{present}")
        else:
            raise Unsupported(f"{what}: unknown selector operator {op!r}")
    return all_of(parts)


# ---- kinds ---------------------------------------------------------------------------------------------------------

def _builtin(sel: KindSelector) -> tuple[str, str] | None:
    """(group, plural) when the selector names one built-in kind exactly."""
    if sel.kind not in BUILTIN_KINDS:
        return None
    group, plural, _ = BUILTIN_KINDS[sel.kind]
    if sel.kind in MULTI_GROUP_KINDS:
        if sel.group not in MULTI_GROUP_KINDS[sel.kind]:
            return None
        group = sel.group
    if sel.group not in ("*", group):
        return None
    return group, plural


def _kyverno_wildcard(pattern: str, name: str) -> bool:
    regex = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, name, re.S) is not None


def kind_resource_rule(sel: KindSelector, operations: list[str]) -> tuple[dict[str, Any], bool]:
    """(resourceRule, exact): the VAP rule covering the selector; exact when no CEL check is needed on top."""
    builtin = _builtin(sel)
    wild = lambda s: "*" in s or "?" in s  # noqa: E731
    versions = [sel.version] if sel.version and not wild(sel.version) else ["*"]
    if builtin:
        group, plural = builtin
        if sel.subresource == "":
            # Kyverno also matches a Pod's ephemeralcontainers subresource when only `Pod` is listed
            resources = [plural] + ([f"{plural}/ephemeralcontainers"] if sel.kind == "Pod" else [])
            exact = True
        elif sel.subresource == "*":
            resources, exact = [plural, f"{plural}/*"], True
        elif wild(sel.subresource):
            resources, exact = [plural, f"{plural}/*"], False
        else:
            resources, exact = [f"{plural}/{sel.subresource}"], True
        rule = {"apiGroups": [group], "apiVersions": versions, "resources": resources}
    else:
        groups = [sel.group] if sel.group and not wild(sel.group) else ["*"]
        resources = ["*"] if sel.subresource == "" else ["*", "*/*"]
        if sel.subresource == "" and wild(sel.kind) and _kyverno_wildcard(sel.kind, "Pod"):
            resources.append("pods/ephemeralcontainers")  # CheckKind's ephemeral-container allowance
        rule = {"apiGroups": groups, "apiVersions": versions, "resources": resources}
        exact = sel.kind == "*" and sel.subresource in ("", "*") and sel.group == "*" and sel.version == "*"
    rule["operations"] = list(operations)
    rule["scope"] = "*"
    return rule, exact


def kind_cel(sel: KindSelector) -> str:
    """CEL bool: the request is for this kind selector (Kyverno's CheckKind with ephemeral containers allowed)."""
    if not sel.kind:
        raise Unsupported("malformed kind selector")
    group = wildcard_cel(sel.group, "request.kind.group") if sel.group != "*" else "true"
    version = wildcard_cel(sel.version, "request.kind.version") if sel.version != "*" else "true"
    if sel.subresource == "":
        kind = wildcard_cel(sel.kind, "request.kind.kind") if sel.kind != "*" else "true"
        # Kyverno matches the ephemeralcontainers subresource of a Pod even when only `Pod` is listed
        ephemeral = ('(request.kind.group == "" && request.kind.version == "v1" && request.kind.kind == "Pod" && '
                     f'{SUBRESOURCE} == "ephemeralcontainers")')
        if sel.kind == "Pod" or "*" in sel.kind or "?" in sel.kind:
            return all_of([group, version, kind, f'({SUBRESOURCE} == "" || {ephemeral})'])
        return all_of([group, version, kind, f'{SUBRESOURCE} == ""'])
    builtin = _builtin(sel)
    sub = wildcard_cel(sel.subresource, SUBRESOURCE) if sel.subresource != "*" else "true"
    if builtin:
        g, plural = builtin
        parts = [f"request.resource.group == {quote(g)}", f"request.resource.resource == {quote(plural)}"]
        if sel.version != "*":
            parts.append(wildcard_cel(sel.version, "request.resource.version"))
        return all_of(parts + [sub])
    if sel.kind == "*":
        parts = [wildcard_cel(sel.group, "request.resource.group") if sel.group != "*" else "true",
                 wildcard_cel(sel.version, "request.resource.version") if sel.version != "*" else "true"]
        return all_of(parts + [sub])
    raise Unsupported(f"subresource {sel.subresource!r} of kind {sel.kind!r}, whose resource name is not known")


# ---- filters -------------------------------------------------------------------------------------------------------

def _as_list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Unsupported(f"{what} must be a list")
    return value


def split_filter(f: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(resource description, user info) of a ResourceFilter (any/all entry) or a legacy match block."""
    if not isinstance(f, dict):
        raise Unsupported("malformed match/exclude filter")
    desc = dict(f.get("resources") or {})
    for key in RESOURCE_DESCRIPTION_KEYS:
        if key in f and key not in desc:
            desc[key] = f[key]
    info = {k: f[k] for k in USER_INFO_KEYS if f.get(k)}
    return desc, info


def filter_is_empty(desc: dict[str, Any], info: dict[str, Any]) -> bool:
    return not any(desc.get(k) for k in RESOURCE_DESCRIPTION_KEYS) and not any(info.get(k) for k in USER_INFO_KEYS)


def subjects_cel(subjects: list[Any]) -> str:
    parts = []
    for s in subjects:
        if not isinstance(s, dict):
            raise Unsupported("malformed userInfo subject")
        kind, name = s.get("kind"), str(s.get("name", ""))
        if kind == "ServiceAccount":
            username = f"system:serviceaccount:{s.get('namespace', '')}:{name}"
            parts.append(wildcard_cel(username, USERNAME))
        elif kind == "Group":
            parts.append(f"(has(request.userInfo.groups) && request.userInfo.groups.exists(g, {wildcard_cel(name, 'g')}))")
        elif kind == "User":
            parts.append(wildcard_cel(name, USERNAME))
        else:
            parts.append("false")
    return any_of(parts)


def filter_cel(desc: dict[str, Any], info: dict[str, Any], *, what: str, with_kinds: bool = True) -> str:
    """CEL bool: the request matches one Kyverno resource filter (doesResourceMatchConditionBlock)."""
    parts: list[str] = []
    ops = _as_list(desc.get("operations"), f"{what}.operations")
    if ops:
        parts.append("request.operation in [" + ", ".join(quote(str(o)) for o in ops) + "]")
    kinds = _as_list(desc.get("kinds"), f"{what}.kinds")
    if kinds and with_kinds:
        parts.append(any_of([kind_cel(parse_kind_selector(str(k))) for k in kinds]))
    if desc.get("name"):
        parts.append(wildcard_cel(str(desc["name"]), NAME))
    names = _as_list(desc.get("names"), f"{what}.names")
    if names:
        parts.append(any_of([wildcard_cel(str(n), NAME) for n in names]))
    namespaces = _as_list(desc.get("namespaces"), f"{what}.namespaces")
    if namespaces:
        parts.append(any_of([wildcard_cel(str(n), NAMESPACE) for n in namespaces]))
    annotations = desc.get("annotations")
    if annotations:
        if not isinstance(annotations, dict):
            raise Unsupported(f"{what}.annotations must be a mapping")
        ann = f"{RESOURCE}.metadata.annotations"
        for k, v in annotations.items():
            parts.append(f"(has({ann}) && {ann}.exists(k, {wildcard_cel(str(k), 'k')} && "
                         f"{wildcard_cel(str(v), ann + '[k]')}))")
    if desc.get("selector") is not None:
        labels = f"{RESOURCE}.metadata.labels"
        parts.append(label_selector_cel(desc["selector"], labels, f"has({labels})", f"{what}.selector"))
    if desc.get("namespaceSelector") is not None:
        labels = "namespaceObject.metadata.labels"
        guard = f"(namespaceObject != null && has({labels}))"
        sel = label_selector_cel(desc["namespaceSelector"], labels, guard, f"{what}.namespaceSelector")
        # Kyverno: a namespaceSelector never matches a Namespace itself; cluster-scoped objects see no labels.
        parts.append(all_of([f"!{IS_NAMESPACE}", sel]))
    if info.get("roles") or info.get("clusterRoles"):
        raise Unsupported(f"{what}: roles/clusterRoles (a ValidatingAdmissionPolicy cannot see the requester's RBAC roles)")
    if info.get("subjects"):
        parts.append(subjects_cel(_as_list(info["subjects"], f"{what}.subjects")))
    return all_of(parts)


def _only_kinds_and_operations(desc: dict[str, Any], info: dict[str, Any]) -> bool:
    return not any(desc.get(k) for k in RESOURCE_DESCRIPTION_KEYS - {"kinds", "operations"}) and not info


def _filters(block: dict[str, Any], what: str) -> tuple[str, list[tuple[dict[str, Any], dict[str, Any]]]]:
    """("any"|"all"|"one", [(desc, info)]) for a match/exclude block."""
    if block.get("any"):
        return "any", [split_filter(f) for f in _as_list(block["any"], f"{what}.any")]
    if block.get("all"):
        return "all", [split_filter(f) for f in _as_list(block["all"], f"{what}.all")]
    return "one", [split_filter(block)]


def translate_match(rule: dict[str, Any], *, policy_namespace: str | None = None) -> MatchTranslation:
    """matchConstraints and conditions for a Kyverno rule's match/exclude (and a namespaced Policy's namespace)."""
    out = MatchTranslation()
    match = rule.get("match")
    if not isinstance(match, dict):
        raise Unsupported("rule without a match block")
    mode, filters = _filters(match, "match")
    if mode == "one" and filter_is_empty(*filters[0]):
        raise Unsupported("empty match block")
    exact = mode != "all" or len(filters) == 1
    rules: list[dict[str, Any]] = []
    for desc, info in filters:
        kinds = _as_list(desc.get("kinds"), "match.kinds")
        ops = [str(o) for o in _as_list(desc.get("operations"), "match.operations")] or list(ALL_OPERATIONS)
        if not _only_kinds_and_operations(desc, info):
            exact = False
        if not kinds:
            exact = False
            rules.append({"apiGroups": ["*"], "apiVersions": ["*"], "resources": ["*", "*/*"], "operations": ops, "scope": "*"})
            continue
        for k in kinds:
            sel = parse_kind_selector(str(k))
            out.kinds.append(sel)
            rr, rr_exact = kind_resource_rule(sel, ops)
            exact = exact and rr_exact
            rules.append(rr)
    out.resource_rules = _merge_rules(rules)
    preds = [filter_cel(d, i, what="match") for d, i in filters]
    matched = all_of(preds) if mode == "all" else any_of(preds)
    if not exact:
        out.conditions.append({"name": "kyverno-match", "expression": matched})
    if policy_namespace:
        # a namespaced Policy only applies to namespaced objects in its own namespace
        ns = quote(policy_namespace)
        out.conditions.append({
            "name": "kyverno-policy-namespace",
            "expression": f'!{IS_NAMESPACE} && has(request.namespace) && request.namespace == {ns}',
        })
    exclude = rule.get("exclude")
    if isinstance(exclude, dict) and exclude:
        emode, efilters = _filters(exclude, "exclude")
        preds = []
        for desc, info in efilters:
            if filter_is_empty(desc, info):
                continue
            if info.get("roles") or info.get("clusterRoles"):
                if emode == "all":
                    # exclusion needs every filter: without this one we would exclude more than Kyverno -> not safe
                    raise Unsupported("exclude.all with roles/clusterRoles (not visible to a ValidatingAdmissionPolicy)")
                out.dropped.append("exclude filter on roles/clusterRoles dropped (not visible to a "
                                   "ValidatingAdmissionPolicy): the policy also applies to requests Kyverno excludes")
                continue
            preds.append(filter_cel(desc, info, what="exclude"))
        if preds:
            excluded = all_of(preds) if emode == "all" else any_of(preds)
            out.conditions.append({"name": "kyverno-exclude", "expression": f"!({excluded})"})
            matched = all_of([matched, f"!({excluded})"])
    out.old_object_match = as_old_object_create(matched)
    return out


_OPERATION = re.compile(r"(?<![\w.])request\.operation(?![\w])")
# CEL string literals (triple-quoted, single- or double-quoted with escapes): their text is not code
_CEL_STRING = re.compile(r"(?s)('\'\'.*?'\'\'|\"\"\".*?\"\"\"|'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\")")


def as_create(cel: str) -> str:
    """`cel` with request.operation read as CREATE (Kyverno's old-object re-check runs as a CREATE).

    Only code is rewritten, never string literals; has(request.operation) is refused."""
    if "request.operation" not in cel:
        return cel
    pieces = _CEL_STRING.split(cel)  # even indexes: code; odd indexes: string literals
    code = pieces[0::2]
    if any(re.search(r"has\(\s*request\.operation", c) for c in code):
        raise Unsupported("allowExistingViolations on a rule that tests has(request.operation)")
    pieces[0::2] = [_OPERATION.sub('"CREATE"', c) for c in code]
    return "".join(pieces)


def as_old_object_create(predicate: str) -> str:
    """The match predicate as Kyverno applies it to the old object in validateOldObject (operation CREATE)."""
    pieces = _CEL_STRING.split(as_create(predicate))
    pieces[0::2] = [c.replace(RESOURCE, "oldObject") for c in pieces[0::2]]
    return "".join(pieces)


def _merge_rules(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Deduplicate resource rules (same groups, versions, operations -> one rule with the union of resources)."""
    merged: dict[tuple, dict[str, Any]] = {}
    for r in rules:
        key = (tuple(r["apiGroups"]), tuple(r["apiVersions"]), tuple(sorted(r["operations"])), r.get("scope", "*"))
        if key in merged:
            for res in r["resources"]:
                if res not in merged[key]["resources"]:
                    merged[key]["resources"].append(res)
        else:
            merged[key] = {**r, "resources": list(r["resources"]), "operations": sorted(r["operations"], key=_op_order)}
    return list(merged.values())


def _op_order(op: str) -> int:
    return ALL_OPERATIONS.index(op) if op in ALL_OPERATIONS else len(ALL_OPERATIONS)
