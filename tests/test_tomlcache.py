"""The parsed TOML cache: the same tables as tomllib, keyed by the file's bytes, never trusted blindly."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from conformance import tomlcache
from conformance.messages import Messages
from conformance.requirements import load_catalog
from conformance.socle import get_socle

TEXT = b'[a]\nen = "x {n}"\nfr = "y {n}"\nn = 3\nf = 1.5\nlist = [true, "s"]\n'


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("CONFORMANCE_TOML_CACHE", str(folder))
    return folder


def test_a_parse_is_kept_and_read_back_as_tomllib_gives_it(cache: Path) -> None:
    assert tomlcache.loads(TEXT) == tomllib.loads(TEXT.decode())
    (kept,) = cache.iterdir()
    kept.write_bytes(b'{"a": {"en": "kept", "fr": "kept"}}')  # what the next process reads
    assert tomlcache.loads(TEXT) == {"a": {"en": "kept", "fr": "kept"}}
    edited = TEXT.replace(b"x {n}", b"z {n}")  # another file: another key, parsed
    assert tomlcache.loads(edited)["a"]["en"] == "z {n}"
    assert len(list(cache.iterdir())) == 2


def test_an_unreadable_entry_is_parsed_again_and_rewritten(cache: Path) -> None:
    tomlcache.loads(TEXT)
    (kept,) = cache.iterdir()
    for junk in (b"\x00not json", b"[1, 2]", b""):
        kept.write_bytes(junk)
        assert tomlcache.loads(TEXT) == tomllib.loads(TEXT.decode())
        assert json.loads(kept.read_bytes()) == tomllib.loads(TEXT.decode())  # the entry is rewritten


def test_what_json_cannot_give_back_is_never_kept(cache: Path) -> None:
    for text in (b"when = 2026-12-05T10:00:00Z\n", b"x = nan\n", b"x = inf\n"):
        assert tomlcache.loads(text).keys() == tomllib.loads(text.decode()).keys()
    assert not cache.exists() or not list(cache.iterdir())


def test_parse_errors_are_tomllibs_and_an_unwritable_cache_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("CONFORMANCE_TOML_CACHE", str(blocker / "cache"))
    assert tomlcache.loads(TEXT)["a"]["n"] == 3
    with pytest.raises(tomllib.TOMLDecodeError):
        tomlcache.loads(b"[a\n")
    with pytest.raises(UnicodeDecodeError):
        tomlcache.loads(b"\xff\xfe = 1")


def test_catalogs_and_message_tables_read_through_it(cache: Path) -> None:
    socle = get_socle("mssante")
    first = load_catalog(socle.catalog)
    assert list(cache.iterdir())
    again = load_catalog(socle.catalog)
    assert again.requirements == first.requirements and again.sha256 == first.sha256
    table = cache.parent / "messages.toml"
    table.write_bytes(TEXT)
    assert Messages(table).text("a", n=1).en == "x 1"
    assert Messages(table).text("a", n=1).fr == "y 1"
