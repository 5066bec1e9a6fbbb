"""Sample writers: folder vs JSON Lines, atomic streams, no overwriting without force."""

from __future__ import annotations

import gzip
import json

import pytest

from migrator.errors import OutputError
from migrator.samples.writer import DirectoryWriter, StreamWriter, is_stream_target, open_writer

REVIEW = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"uid": "u"}}


def test_target_kind_by_name():
    assert is_stream_target("out.jsonl") and is_stream_target("out.jsonl.gz") and is_stream_target("x.ndjson")
    assert not is_stream_target("out") and not is_stream_target("out.json")


def test_failed_run_leaves_the_previous_stream_untouched(tmp_path):
    target = tmp_path / "s.jsonl"
    target.write_text("previous\n")
    with pytest.raises(RuntimeError):
        with open_writer(target, force=True) as w:
            w.write(REVIEW, "a")
            raise RuntimeError("interrupted")
    assert target.read_text() == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["s.jsonl"]  # temporary file removed


def test_gzip_stream_round_trip(tmp_path):
    target = tmp_path / "s.jsonl.gz"
    with open_writer(target) as w:
        assert isinstance(w, StreamWriter)
        assert w.write(REVIEW, "a") == "s.jsonl.gz#0"
        w.write(REVIEW, "b")
    with gzip.open(target, "rt") as fh:
        assert [json.loads(line) for line in fh] == [REVIEW, REVIEW]


def test_folder_numbering_and_refusals(tmp_path):
    folder = tmp_path / "d"
    with open_writer(folder) as w:
        assert isinstance(w, DirectoryWriter)
        assert w.write(REVIEW, "create-pods-a") == "000001-create-pods-a.json"
        assert w.write(REVIEW, "create-pods-a") == "000002-create-pods-a.json"
    with pytest.raises(OutputError, match="--force"):
        DirectoryWriter(folder)
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="not a folder"):
        DirectoryWriter(tmp_path / "file")
    with pytest.raises(OutputError, match="is a folder"):
        StreamWriter(tmp_path / "d.jsonl") if (tmp_path / "d.jsonl").mkdir() is None else None
