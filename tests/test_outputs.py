"""Atomic writes: no overwrite without force, and the permissions a plain write would give."""

import os
import stat

import pytest

from migrator.errors import OutputError
from migrator.outputs import check_writable, write_text_atomic


def test_refuses_existing_file_without_force(tmp_path):
    target = tmp_path / "a.yaml"
    target.write_text("mine\n")
    with pytest.raises(OutputError, match="--force"):
        write_text_atomic(target, "theirs\n")
    assert target.read_text() == "mine\n"
    write_text_atomic(target, "theirs\n", force=True)
    assert target.read_text() == "theirs\n"


def test_new_file_gets_umask_mode_not_0600(tmp_path):
    old = os.umask(0o022)
    try:
        path = write_text_atomic(tmp_path / "sub" / "b.yaml", "x\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_overwrite_keeps_existing_mode(tmp_path):
    target = tmp_path / "c.yaml"
    target.write_text("x\n")
    target.chmod(0o640)
    write_text_atomic(target, "y\n", force=True)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_no_temporary_files_left_behind(tmp_path):
    write_text_atomic(tmp_path / "d.yaml", "x\n")
    assert [p.name for p in tmp_path.iterdir()] == ["d.yaml"]


def test_check_writable_is_all_or_nothing(tmp_path):
    (tmp_path / "e.yaml").write_text("x")
    with pytest.raises(OutputError, match="e.yaml"):
        check_writable([tmp_path / "new.yaml", tmp_path / "e.yaml"], force=False)
    check_writable([tmp_path / "e.yaml"], force=True)
