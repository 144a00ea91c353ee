"""atomic_write: all or nothing, no temporary files left, ordinary permissions."""
from __future__ import annotations

import os
import stat

import pytest

from w2vcli.atomic import atomic_write, write_text_atomic
from w2vcli.errors import W2VError


def current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


class Boom(Exception):
    pass


def test_exception_leaves_old_file_untouched_and_no_temp_file(tmp_path):
    target = tmp_path / "out.txt"
    target.write_bytes(b"old content\n")
    before = os.stat(target)
    with pytest.raises(Boom):
        with atomic_write(target) as handle:
            handle.write(b"new content that must not appear")
            handle.flush()
            # while writing, the target still has the old content and a temp file sits beside it
            assert target.read_bytes() == b"old content\n"
            assert len(list(tmp_path.iterdir())) == 2
            raise Boom()
    assert target.read_bytes() == b"old content\n"
    assert os.stat(target).st_ino == before.st_ino
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_exception_with_no_old_file_leaves_nothing(tmp_path):
    target = tmp_path / "new.bin"
    with pytest.raises(Boom):
        with atomic_write(target) as handle:
            handle.write(b"partial")
            raise Boom()
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_keyboard_interrupt_also_cleans_up(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(target, "w", encoding="utf-8") as handle:
            handle.write("new")
            raise KeyboardInterrupt
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_success_replaces_content_with_ordinary_permissions(tmp_path):
    umask = current_umask()
    target = tmp_path / "out.txt"
    target.write_bytes(b"old")
    with atomic_write(target) as handle:
        handle.write(b"new \x00 bytes")
    assert target.read_bytes() == b"new \x00 bytes"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
    assert mode_of(target) == 0o666 & ~umask
    if umask == 0o022:
        assert mode_of(target) == 0o644
    assert mode_of(target) != 0o600 or umask == 0o077


def test_success_new_file_text_mode(tmp_path):
    target = tmp_path / "vectors.txt"
    with atomic_write(target, "w", encoding="utf-8") as handle:
        handle.write("héllo wörld\n")
    assert target.read_bytes() == "héllo wörld\n".encode()
    assert mode_of(target) == 0o666 & ~current_umask()
    assert [p.name for p in tmp_path.iterdir()] == ["vectors.txt"]


def test_write_text_atomic(tmp_path):
    target = tmp_path / "config.yaml"
    write_text_atomic(target, "dim: 10  # ünïcode\n")
    assert target.read_text(encoding="utf-8") == "dim: 10  # ünïcode\n"
    write_text_atomic(str(target), "dim: 20\n")
    assert target.read_text(encoding="utf-8") == "dim: 20\n"
    assert [p.name for p in tmp_path.iterdir()] == ["config.yaml"]


def test_missing_parent_folder_is_an_error_and_creates_nothing(tmp_path):
    with pytest.raises(W2VError, match=r"cannot write .*file\.txt: No such file or directory"):
        with atomic_write(tmp_path / "no" / "such" / "file.txt") as handle:
            handle.write(b"x")
    assert list(tmp_path.iterdir()) == []
