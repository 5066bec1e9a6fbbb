"""Staged rollout: which `validationActions` each stage puts on the bindings, and what comes next.

audit -> warn -> deny. Each stage is one reviewed change: Audit only records violations in the audit log
(annotation `validation.policy.admission.k8s.io/validation_failure`), Warn also returns them to clients as
warnings, Deny rejects the request. Kubernetes refuses Deny together with Warn, so the last stage is [Deny] alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from migrator.pr.inputs import Manifest
from migrator.sources.documents import dump_yaml


@dataclass(frozen=True)
class Stage:
    name: str
    actions: tuple[str, ...]
    effect: str


STAGES: dict[str, Stage] = {
    "audit": Stage(
        "audit",
        ("Audit",),
        "violations are recorded in the API server audit log only; no request is denied and users see nothing",
    ),
    "warn": Stage(
        "warn",
        ("Warn", "Audit"),
        "violations are returned to clients as warnings (kubectl prints them) and recorded in the audit log; "
        "no request is denied",
    ),
    "deny": Stage("deny", ("Deny",), "requests that violate a policy are rejected with the policy's message"),
}
ORDER = ("audit", "warn", "deny")


def stage(name: str) -> Stage:
    try:
        return STAGES[name]
    except KeyError:
        raise ValueError(f"unknown rollout stage {name!r} (choose {', '.join(ORDER)})") from None


def next_stages(name: str) -> list[Stage]:
    return [STAGES[s] for s in ORDER[ORDER.index(name) + 1 :]]


def previous_stage(name: str) -> Stage | None:
    i = ORDER.index(name)
    return STAGES[ORDER[i - 1]] if i else None


def _split_tail(segment: str) -> tuple[str, str]:
    """Split a document's text into its content and the trailing blank/comment lines that belong to what follows."""
    lines = segment.splitlines(keepends=True)
    tail: list[str] = []
    while lines and (not lines[-1].strip() or lines[-1].lstrip().startswith("#")):
        tail.insert(0, lines.pop())
    return "".join(lines), "".join(tail)


def apply_stage(manifest: Manifest, actions: tuple[str, ...]) -> str:
    """The manifest's text with every binding's `spec.validationActions` set to `actions`.

    Only binding documents are rewritten (comments inside them are lost); policies, separators and comments
    between documents are kept byte for byte.
    """
    text = manifest.text
    out: list[str] = []
    pos = 0
    for doc in manifest.documents:
        if doc.kind != "ValidatingAdmissionPolicyBinding":
            continue
        obj = dict(doc.obj)
        spec = dict(obj.get("spec") or {})
        spec["validationActions"] = list(actions)
        obj["spec"] = spec
        _content, tail = _split_tail(text[doc.start : doc.end])
        out.append(text[pos : doc.start])
        if doc.start and text[doc.start - 1] != "\n":  # `--- kind: ...` on one line
            out.append("\n")
        rendered = dump_yaml([obj])
        if rendered.startswith("---"):
            rendered = rendered.split("\n", 1)[1]
        out.append(rendered if rendered.endswith("\n") else rendered + "\n")
        out.append(tail)
        pos = doc.end
    out.append(text[pos:])
    result = "".join(out)
    return result if result.endswith("\n") else result + "\n"
