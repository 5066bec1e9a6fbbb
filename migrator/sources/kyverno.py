"""Kyverno policies read from YAML/JSON streams: ClusterPolicy/Policy and ValidatingPolicy, with their positions.

Served versions (the CRDs Kyverno installs):
  kyverno.io: v1, v2beta1 (ClusterPolicy, Policy)
  policies.kyverno.io: v1alpha1, v1beta1, v1 (ValidatingPolicy, NamespacedValidatingPolicy)
Other documents are returned as `skipped` with a note, so a directory of mixed manifests converts what it can.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from migrator.errors import InputError
from migrator.sources.documents import Document, find_files, load_documents
from migrator.sources.kinds import split_api_version

KYVERNO_GROUP = "kyverno.io"
POLICIES_GROUP = "policies.kyverno.io"
KYVERNO_VERSIONS = ("v1", "v2beta1")
POLICIES_VERSIONS = ("v1alpha1", "v1beta1", "v1")
CLASSIC_KINDS = ("ClusterPolicy", "Policy")
VALIDATING_POLICY_KINDS = ("ValidatingPolicy", "NamespacedValidatingPolicy")


@dataclass
class KyvernoPolicy:
    """One Kyverno policy document.

    kind: ClusterPolicy | Policy | ValidatingPolicy | NamespacedValidatingPolicy; namespace is set for namespaced kinds.
    spec: the raw spec mapping (validated for shape only: rules is a list of mappings, and so on).
    """

    document: Document
    api_version: str
    kind: str
    name: str
    namespace: str | None
    annotations: dict[str, str]
    labels: dict[str, str]
    spec: dict[str, Any]

    @property
    def source(self) -> str:
        return self.document.path

    @property
    def ref(self) -> str:
        return self.document.ref

    @property
    def is_validating_policy(self) -> bool:
        return self.kind in VALIDATING_POLICY_KINDS

    @property
    def rules(self) -> list[dict[str, Any]]:
        return list(self.spec.get("rules") or [])

    def error(self, message: str, where: str | None = None) -> InputError:
        place = self.document.where + (f", {where}" if where else "")
        return InputError(self.document.path, message, place)


@dataclass
class SkippedDocument:
    """A document that is not a Kyverno validate-capable policy: why it was skipped."""

    document: Document
    note: str


@dataclass
class KyvernoSources:
    policies: list[KyvernoPolicy] = field(default_factory=list)
    skipped: list[SkippedDocument] = field(default_factory=list)


def policy_from_document(doc: Document) -> KyvernoPolicy | SkippedDocument:
    """Classify one document: a KyvernoPolicy, or a SkippedDocument with the reason. Malformed policies raise InputError."""
    obj = doc.obj
    if obj is None:
        return SkippedDocument(doc, "empty document")
    if not isinstance(obj, dict):
        return SkippedDocument(doc, "not a Kubernetes object (not a mapping)")
    api_version = obj.get("apiVersion")
    kind = obj.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return SkippedDocument(doc, "not a Kubernetes object (no apiVersion/kind)")
    group, version = split_api_version(api_version)
    if group == KYVERNO_GROUP and kind in CLASSIC_KINDS:
        if version not in KYVERNO_VERSIONS:
            raise InputError(doc.path, f"{kind} {api_version}: unknown version (served: {', '.join(KYVERNO_VERSIONS)})", doc.where)
    elif group == POLICIES_GROUP and kind in VALIDATING_POLICY_KINDS:
        if version not in POLICIES_VERSIONS:
            raise InputError(doc.path, f"{kind} {api_version}: unknown version (served: {', '.join(POLICIES_VERSIONS)})", doc.where)
    else:
        return SkippedDocument(doc, f"{api_version} {kind} is not a Kyverno validating policy")
    meta = obj.get("metadata")
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str) or not meta.get("name"):
        raise InputError(doc.path, f"{kind} without metadata.name", doc.where)
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        raise InputError(doc.path, f"{kind} {meta['name']}: spec must be a mapping", doc.where)
    annotations = meta.get("annotations") or {}
    labels = meta.get("labels") or {}
    if not isinstance(annotations, dict) or not isinstance(labels, dict):
        raise InputError(doc.path, f"{kind} {meta['name']}: metadata.annotations/labels must be mappings", doc.where)
    policy = KyvernoPolicy(
        document=doc,
        api_version=api_version,
        kind=kind,
        name=meta["name"],
        namespace=meta.get("namespace") if kind in ("Policy", "NamespacedValidatingPolicy") else None,
        annotations={str(k): str(v) for k, v in annotations.items()},
        labels={str(k): str(v) for k, v in labels.items()},
        spec=spec,
    )
    _check_shape(policy)
    return policy


def _check_shape(policy: KyvernoPolicy) -> None:
    spec = policy.spec
    if policy.is_validating_policy:
        for key in ("validations", "variables", "matchConditions", "auditAnnotations", "validationActions"):
            if key in spec and spec[key] is not None and not isinstance(spec[key], list):
                raise policy.error(f"spec.{key} must be a list")
        for key in ("validations", "variables", "matchConditions", "auditAnnotations"):
            for i, item in enumerate(spec.get(key) or []):
                if not isinstance(item, dict):
                    raise policy.error(f"spec.{key}[{i}] must be a mapping")
        if "matchConstraints" in spec and spec["matchConstraints"] is not None and not isinstance(spec["matchConstraints"], dict):
            raise policy.error("spec.matchConstraints must be a mapping")
        return
    rules = spec.get("rules")
    if rules is None:
        raise policy.error("spec.rules is missing")
    if not isinstance(rules, list):
        raise policy.error("spec.rules must be a list")
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict):
            raise policy.error(f"spec.rules[{i}] must be a mapping")
        if not isinstance(rule.get("name"), str) or not rule.get("name"):
            raise policy.error(f"spec.rules[{i}] has no name")
        for key in ("match", "exclude", "validate"):
            if key in rule and rule[key] is not None and not isinstance(rule[key], dict):
                raise policy.error(f"spec.rules[{i}] ({rule['name']}): {key} must be a mapping")


def read_policies(documents: Iterable[Document]) -> KyvernoSources:
    """Kyverno policies among `documents`, in order; the rest is listed as skipped."""
    out = KyvernoSources()
    for doc in documents:
        item = policy_from_document(doc)
        if isinstance(item, KyvernoPolicy):
            out.policies.append(item)
        else:
            out.skipped.append(item)
    return out


def load_policies(paths: Iterable[str]) -> KyvernoSources:
    """Read every YAML/JSON file under `paths` (files or directories, recursive)."""
    out = KyvernoSources()
    for path in find_files(list(paths)):
        found = read_policies(load_documents(path))
        out.policies.extend(found.policies)
        out.skipped.extend(found.skipped)
    return out
