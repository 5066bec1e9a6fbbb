"""Reading AdmissionReview samples: one per file or streams (YAML, JSON Lines, .gz), bad samples reported one by
one while the rest still run."""

from __future__ import annotations

import gzip
import json

import pytest

from migrator.errors import InputError
from migrator.sources.samples import iter_samples


def review(name="web", allowed=None, **request):
    req = {
        "uid": f"uid-{name}",
        "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "resource": {"group": "", "version": "v1", "resource": "pods"},
        "namespace": "default",
        "name": name,
        "operation": "CREATE",
        "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}},
        **request,
    }
    doc = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": req}
    if allowed is not None:
        doc["response"] = {"uid": req["uid"], "allowed": allowed}
    return doc


def test_single_files_are_named_relative_to_the_folder(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.json").write_text(json.dumps(review("one", allowed=False)))
    (tmp_path / "two.yaml").write_text(__import__("yaml").safe_dump(review("two")))
    samples = list(iter_samples([str(tmp_path)]))
    assert [(s.ref, s.uid, s.expected_allowed, s.error) for s in samples] == [
        ("a/one.json", "uid-one", False, None),  # sorted by path
        ("two.yaml", "uid-two", None, None),
    ]


def test_streams_number_their_documents_and_keep_going_after_a_bad_one(tmp_path):
    f = tmp_path / "s.jsonl.gz"
    lines = [json.dumps(review("a", allowed=True)), "{not json", json.dumps({"kind": "Pod"}), "", json.dumps(review("d"))]
    with gzip.open(f, "wt") as fh:
        fh.write("\n".join(lines) + "\n")
    samples = list(iter_samples([str(f)]))
    assert [s.ref.rsplit("/", 1)[-1] for s in samples] == ["s.jsonl.gz#0", "s.jsonl.gz#1", "s.jsonl.gz#2", "s.jsonl.gz#3"]
    assert samples[0].error is None and samples[0].expected_allowed is True
    assert samples[1].error.startswith("invalid JSON") and samples[1].line == 2
    assert "not an AdmissionReview" in samples[2].error
    assert samples[3].error is None and samples[3].line == 5


def test_multi_document_yaml(tmp_path):
    import yaml

    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump_all([review("a"), review("b")]))
    assert [s.ref for s in iter_samples([str(f)])] == [f"{f}#0", f"{f}#1"]


def test_yaml_syntax_error_ends_the_file_with_one_error(tmp_path):
    import yaml

    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(review("a")) + "---\nkey: [unclosed\n")
    samples = list(iter_samples([str(f)]))
    assert samples[0].error is None and "invalid YAML" in samples[1].error and samples[1].line > 1


def test_truncated_gzip_is_reported(tmp_path):
    f = tmp_path / "s.jsonl.gz"
    data = gzip.compress(("\n".join(json.dumps(review(str(i))) for i in range(200)) + "\n").encode())
    f.write_bytes(data[: len(data) // 2])
    samples = list(iter_samples([str(f)]))
    assert samples[-1].error and "truncated gzip" in samples[-1].error
    assert all(s.error is None for s in samples[:-2])  # what was read before the cut still runs


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda r: r.pop("request"), "request: Required value"),
        (lambda r: r["request"].update(operation="PATCH"), "request.operation: Unsupported value"),
        (lambda r: r["request"].pop("resource"), "request.resource: Required value"),
        (lambda r: r.update(apiVersion="admission.k8s.io/v2"), "not an AdmissionReview"),
        (lambda r: r["request"].update(object=[1]), "request.object: expected an object"),
    ],
)
def test_invalid_reviews(tmp_path, mutate, message):
    r = review()
    mutate(r)
    f = tmp_path / "r.json"
    f.write_text(json.dumps(r))
    [s] = iter_samples([str(f)])
    assert message in s.error


def test_missing_path_is_bad_input(tmp_path):
    with pytest.raises(InputError):
        list(iter_samples([str(tmp_path / "missing")]))


def test_json_array_and_list_kind(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps([review("x"), review("y")]))
    (tmp_path / "l.json").write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": [review("z")]}))
    assert [(s.ref, s.error) for s in iter_samples([str(tmp_path)])] == [("a.json#0", None), ("a.json#1", None), ("l.json#0.0", None)]
