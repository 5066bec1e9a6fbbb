"""Kyverno kind selectors (`Pod`, `v1/Pod`, `apps/v1/Deployment`, `Pod/exec`, `*`) and the resources they name.

Kyverno matches kinds (group/version/Kind[/subresource], each part a wildcard); a ValidatingAdmissionPolicy matches
resources (group, version, plural[/subresource]). Built-in kinds map through the one built-in table,
migrator.sources.kinds, which lists the Kubernetes built-in API types with their group, plural and scope. For kinds
not in the table (CRDs), the plural is not knowable without discovery; we then match every resource of the group and
compare `request.kind` in CEL, which is exact whatever plural the CRD author chose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from migrator.sources.kinds import BUILTIN_KINDS as SOURCE_BUILTIN_KINDS

VERSION_RE = re.compile(r"^(v\d+((alpha|beta)\d+)?|\*)$")

# kind -> (group, plural, namespaced): the built-in table of migrator.sources.kinds, without the kinds that are not
# resources a kind selector can be turned into. Scale and Eviction are the kinds of subresources (deployments/scale,
# pods/eviction), not of resources. The other kinds left out are kinds this translation has never treated as built-in;
# they go through the generic (CRD) path, as before the tables were merged.
_NOT_MATCHED_AS_BUILTIN = frozenset({
    "Scale", "Eviction",
    "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding", "SelfSubjectReview", "IPAddress", "ServiceCIDR",
})
BUILTIN_KINDS: dict[str, tuple[str, str, bool]] = {
    kind: (group, plural, namespaced)
    for kind, (group, _version, plural, namespaced) in SOURCE_BUILTIN_KINDS.items()
    if kind not in _NOT_MATCHED_AS_BUILTIN
}


# Built-in kinds served by more than one API group (Event: core and events.k8s.io): a selector without a group must
# match them all, so these go through the generic path (every resource + `request.kind` in CEL).
MULTI_GROUP_KINDS = {"Event": ("", "events.k8s.io")}


def crd_plural(kind: str) -> str:
    """The plural Kubernetes' defaulting (`kubectl`/gengo naming) gives a kind: lowercase, `y`->`ies`, `s/x/ch/sh`->`es`.

    Only a convention: CRDs declare their own plural. Used for display and for samples, never to decide a match.
    """
    lower = kind.lower()
    if lower.endswith("y") and len(lower) > 1 and lower[-2] not in "aeiou":
        return lower[:-1] + "ies"
    if lower.endswith(("s", "x", "z", "ch", "sh")):
        return lower + "es"
    return lower + "s"


@dataclass(frozen=True)
class KindSelector:
    """One parsed Kyverno kind selector; each part may hold `*`/`?` wildcards."""

    group: str
    version: str
    kind: str
    subresource: str

    @property
    def has_wildcard(self) -> bool:
        return any(("*" in p or "?" in p) for p in (self.group, self.version, self.kind))


def parse_kind_selector(text: str) -> KindSelector:
    """Kyverno's kubeutils.ParseKindSelector, step for step."""
    parts = text.split("/")
    if parts:
        parts = parts[:-1] + parts[-1].split(".")
    n = len(parts)
    if n == 1:
        return KindSelector("*", "*", parts[0], "")
    if n == 2:
        if parts[0] == "*" and parts[1] == "*":
            return KindSelector("*", "*", "*", "*")
        if parts[0] == "*" and parts[1].lower() == parts[1]:
            return KindSelector("*", "*", parts[0], parts[1])
        if VERSION_RE.match(parts[0]):
            return KindSelector("*", parts[0], parts[1], "")
        return KindSelector("*", "*", parts[0], parts[1])
    if n == 3:
        if VERSION_RE.match(parts[0]):
            return KindSelector("*", parts[0], parts[1], parts[2])
        return KindSelector(parts[0], parts[1], parts[2], "")
    if n == 4:
        return KindSelector(parts[0], parts[1], parts[2], parts[3])
    return KindSelector("", "", "", "")


def is_namespaced(kind: str) -> bool | None:
    """True/False for built-in kinds, None when unknown (CRDs, wildcards)."""
    entry = BUILTIN_KINDS.get(kind)
    return entry[2] if entry else None
