"""Reading Kyverno policies: served versions, skipped documents, malformed policies named with their place."""

from __future__ import annotations

import pytest

from migrator.errors import InputError
from migrator.sources.documents import Document
from migrator.sources.kyverno import KyvernoPolicy, SkippedDocument, load_policies, policy_from_document


def doc(obj):
    return Document("p.yaml", 2, 10, obj)


@pytest.mark.parametrize("api_version,kind", [
    ("kyverno.io/v1", "ClusterPolicy"), ("kyverno.io/v2beta1", "Policy"),
    ("policies.kyverno.io/v1alpha1", "ValidatingPolicy"), ("policies.kyverno.io/v1beta1", "ValidatingPolicy"),
    ("policies.kyverno.io/v1", "ValidatingPolicy"), ("policies.kyverno.io/v1", "NamespacedValidatingPolicy"),
])
def test_served_versions(api_version, kind):
    spec = {"rules": []} if kind in ("ClusterPolicy", "Policy") else {}
    p = policy_from_document(doc({"apiVersion": api_version, "kind": kind,
                                  "metadata": {"name": "x", "namespace": "ns"}, "spec": spec}))
    assert isinstance(p, KyvernoPolicy)
    assert p.namespace == ("ns" if kind in ("Policy", "NamespacedValidatingPolicy") else None)


def test_other_documents_are_skipped_with_a_note():
    s = policy_from_document(doc({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}))
    assert isinstance(s, SkippedDocument) and "not a Kyverno" in s.note
    assert isinstance(policy_from_document(doc(["a"])), SkippedDocument)
    assert isinstance(policy_from_document(doc({"apiVersion": "kyverno.io/v1", "kind": "MutatingPolicy"})), SkippedDocument)


@pytest.mark.parametrize("obj,message", [
    ({"apiVersion": "kyverno.io/v3", "kind": "ClusterPolicy", "metadata": {"name": "x"}, "spec": {"rules": []}}, "unknown version"),
    ({"apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy", "metadata": {}, "spec": {"rules": []}}, "metadata.name"),
    ({"apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy", "metadata": {"name": "x"}, "spec": {}}, "spec.rules is missing"),
    ({"apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy", "metadata": {"name": "x"}, "spec": {"rules": [{"match": {}}]}}, "has no name"),
    ({"apiVersion": "policies.kyverno.io/v1", "kind": "ValidatingPolicy", "metadata": {"name": "x"}, "spec": {"validations": {}}}, "must be a list"),
])
def test_malformed_policies_name_file_and_document(obj, message):
    with pytest.raises(InputError) as err:
        policy_from_document(doc(obj))
    assert message in str(err.value) and "p.yaml" in str(err.value) and "document 3" in str(err.value)


def test_load_policies_walks_folders(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "p.yaml").write_text(
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: one}\nspec: {rules: []}\n---\n"
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n")
    (tmp_path / "b.json").write_text('{"apiVersion": "policies.kyverno.io/v1", "kind": "ValidatingPolicy", '
                                     '"metadata": {"name": "two"}, "spec": {}}')
    found = load_policies([str(tmp_path)])
    assert sorted(p.name for p in found.policies) == ["one", "two"]
    assert len(found.skipped) == 1
