"""`conformance.templates`: compiled templates kept in the user cache between processes; a cache that cannot be
written is no cache, never a failed render."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conformance.templates import environment


def test_compiled_templates_are_kept_and_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONFORMANCE_TEMPLATE_CACHE", str(tmp_path / "templates"))
    first = environment("conformance.engine", keep_trailing_newline=True)
    first.get_template("kit-README.md.j2")
    kept = list((tmp_path / "templates").iterdir())
    assert len(kept) == 1 and kept[0].stat().st_size > 0
    # another process (another environment) loads the kept code: the cache file is read, not written again
    before = kept[0].stat().st_mtime_ns
    second = environment("conformance.engine", keep_trailing_newline=True)
    assert second.bytecode_cache is not None
    second.get_template("kit-README.md.j2")
    assert kept[0].stat().st_mtime_ns == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_an_unwritable_cache_is_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    monkeypatch.setenv("CONFORMANCE_TEMPLATE_CACHE", str(locked / "templates"))
    env = environment("conformance.engine", keep_trailing_newline=True)
    assert env.bytecode_cache is None
    assert env.get_template("kit-README.md.j2")


def test_a_cache_path_that_is_a_file_is_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("CONFORMANCE_TEMPLATE_CACHE", str(tmp_path / "file" / "templates"))
    env = environment("conformance.engine", keep_trailing_newline=True)
    assert env.bytecode_cache is None
    assert env.get_template("kit-README.md.j2")
