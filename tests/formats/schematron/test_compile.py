"""A schematron is compiled once: later calls hit memory, a later process the disk cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.formats.schematron import compile as compiling
from conformance.formats.schematron.compile import Compiler, SchematronError, cache_key, include_closure, prepared
from conformance.formats.schematron.pack import Pack

from .helpers import VOLET, VOLET_INCLUDE_ON_DISK


def _counts() -> tuple[int, int, int]:
    s = compiling.STATS
    return s.compiled, s.disk_hits, s.memory_hits


def test_compiled_once_then_memory_then_disk(pack_dir: Path, isolated_cache: Path) -> None:
    pack = Pack.open(pack_dir)
    sch = pack.volets[VOLET]
    before = _counts()
    first = Compiler(pack).executable(sch)
    assert _counts() == (before[0] + 1, before[1], before[2])
    assert list(isolated_cache.glob("*.xsl")) == [isolated_cache / f"{cache_key(pack, sch)}.xsl"]
    assert Compiler(pack).executable(sch) is first  # same process: no compile, no disk read
    assert _counts() == (before[0] + 1, before[1], before[2] + 1)
    compiling.reset_memory()  # as a new process would be
    Compiler(pack).executable(sch)
    assert _counts() == (before[0] + 1, before[1] + 1, before[2] + 1)


def test_the_key_follows_the_included_files_and_the_engine(pack_dir: Path) -> None:
    pack = Pack.open(pack_dir)
    sch = pack.volets[VOLET]
    included = pack.schematrons_dir / VOLET_INCLUDE_ON_DISK
    assert included.resolve() in include_closure(sch.path)  # found despite the case of the href
    key = cache_key(pack, sch)
    compiling.reset_memory()
    included.write_text(included.read_text(encoding="utf-8").replace("doit être présent", "manque"), encoding="utf-8")
    assert cache_key(pack, sch) != key
    compiling.reset_memory()
    changed = cache_key(pack, sch)
    (pack.engine_dir / "iso_abstract_expand.xsl").write_text(
        (pack.engine_dir / "iso_abstract_expand.xsl").read_text(encoding="utf-8") + "<!-- v2 -->", encoding="utf-8"
    )
    compiling.reset_memory()
    assert cache_key(pack, sch) != changed


def test_a_broken_schematron_is_a_clear_error_reported_once(pack_dir: Path) -> None:
    broken = pack_dir / "schematrons" / "CI-SIS_BROKEN_2024.01.sch"
    broken.write_text(
        '<schema xmlns="http://purl.oclc.org/dsdl/schematron"><include href="include/x.sch"/></schema>',
        encoding="utf-8",
    )
    (pack_dir / "schematrons" / "include" / "x.sch").write_text("<pattern", encoding="utf-8")
    pack = Pack.open(pack_dir)
    before = compiling.STATS.compiled
    for _ in range(2):
        with pytest.raises(SchematronError, match=r"CI-SIS_BROKEN_2024\.01 cannot be compiled with .*: SXXP0003"):
            Compiler(pack).executable(pack.volets["CI-SIS_BROKEN_2024.01"])
    assert compiling.STATS.compiled == before  # the failure is remembered, not retried


def test_an_include_absent_from_the_pack_is_left_out_as_the_ans_engine_does(pack_dir: Path) -> None:
    sch = pack_dir / "schematrons" / f"{VOLET}.sch"
    sch.write_text(
        sch.read_text(encoding="utf-8").replace("<title>", '<include href="include/gone.sch"/><title>'),
        encoding="utf-8",
    )
    text, case_fixed, missing = prepared(sch)
    assert missing == ["include/gone.sch"] and case_fixed and "gone.sch" not in text
    pack = Pack.open(pack_dir)
    assert Compiler(pack).executable(pack.volets[VOLET]) is not None


def test_a_broken_engine_is_a_clear_error(pack_dir: Path) -> None:
    (pack_dir / "schematrons" / "moteur" / "iso_svrl_for_xslt2.xsl").write_text("<xsl:stylesheet", encoding="utf-8")
    pack = Pack.open(pack_dir)
    with pytest.raises(SchematronError, match=r"engine \(moteur/\) does not compile"):
        Compiler(pack).executable(pack.volets[VOLET])
