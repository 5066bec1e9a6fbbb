"""Reading YAML/JSON streams: positions in errors, Lists, JSON Lines, timestamps kept as strings."""

import gzip
import json

import pytest

from migrator.errors import InputError
from migrator.sources.documents import find_files, load_documents


def test_multi_document_yaml_with_lines(tmp_path):
    f = tmp_path / "a.yaml"
    f.write_text("kind: A\n---\nkind: B\nwhen: 2024-01-01T00:00:00Z\n")
    docs = load_documents(str(f))
    assert [d.obj["kind"] for d in docs] == ["A", "B"]
    assert docs[1].line == 3
    assert docs[1].obj["when"] == "2024-01-01T00:00:00Z"  # a string, as Kubernetes reads it


def test_list_kind_is_expanded(tmp_path):
    f = tmp_path / "pods.yaml"
    f.write_text("apiVersion: v1\nkind: PodList\nitems:\n- kind: Pod\n- kind: Pod\n")
    docs = load_documents(str(f))
    assert [d.item for d in docs] == [0, 1]


def test_json_lines_and_gzip(tmp_path):
    f = tmp_path / "x.jsonl.gz"
    with gzip.open(f, "wt") as fh:
        fh.write(json.dumps({"a": 1}) + "\n" + json.dumps({"a": 2}) + "\n")
    assert [d.obj["a"] for d in load_documents(str(f))] == [1, 2]


def test_malformed_yaml_names_file_and_line(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("a: 1\nb: [1\n")
    with pytest.raises(InputError) as err:
        load_documents(str(f))
    assert "bad.yaml" in str(err.value) and "line" in str(err.value)


def test_missing_path_is_input_error(tmp_path):
    with pytest.raises(InputError):
        find_files([str(tmp_path / "nope")])
