"""Opening a pack, naming its schematrons and choosing the volet's from the document's templateIds."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.formats.schematron.pack import Pack, PackError

from .helpers import VOLET, VOLET_ROOT, write_pack


def test_a_missing_or_foreign_folder_is_a_pack_error(tmp_path: Path) -> None:
    with pytest.raises(PackError, match="no such directory"):
        Pack.open(tmp_path / "absent")
    (tmp_path / "file").write_text("x")
    with pytest.raises(PackError, match="not a directory"):
        Pack.open(tmp_path / "file")
    (tmp_path / "other" / "schematrons").mkdir(parents=True)
    with pytest.raises(PackError, match=r"not a TestContenuCDA layout.*iso_svrl_for_xslt2\.xsl"):
        Pack.open(tmp_path / "other")


def test_the_checkout_or_its_schematrons_folder_opens(pack_dir: Path) -> None:
    for given in (pack_dir, pack_dir / "schematrons"):
        pack = Pack.open(given)
        assert pack.root == pack_dir.resolve()
        assert list(pack.volets) == [VOLET] and list(pack.profiles) == ["PROFIL-TEST"]
        assert pack.volets[VOLET].volet == "TEST-VOLET" and pack.volets[VOLET].version == "2024.01"


def test_names_resolve_and_unknown_names_are_errors(pack_dir: Path) -> None:
    pack = Pack.open(pack_dir)
    assert pack.find(VOLET).name == VOLET
    assert pack.find("TEST-VOLET_2024.01").name == VOLET  # without the CI-SIS_ prefix
    assert pack.find("PROFIL-TEST.sch").kind == "profile"
    assert pack.find("profils/PROFIL-TEST.sch").name == "PROFIL-TEST"
    with pytest.raises(PackError, match="no schematron 'NOPE'"):
        pack.find("NOPE")
    with pytest.raises(PackError):
        pack.find("../../etc/passwd.sch")
    with pytest.raises(PackError):
        pack.check_names(("auto", "NOPE"))


def test_the_volet_is_learned_from_the_pack_examples(pack_dir: Path) -> None:
    pack = Pack.open(pack_dir)
    assert pack.dispatch == {(VOLET_ROOT, "2024.01"): VOLET}
    chosen, reason = pack.select(("auto",), [("1.2.250.1.213.1.1.1.1", ""), (VOLET_ROOT, "2024.01")])
    assert [s.name for s in chosen] == [VOLET] and reason == ""
    # another extension of a known volet: the schematron of that version, when the pack has it
    (pack_dir / "schematrons" / "CI-SIS_TEST-VOLET_2025.01.sch").write_text(
        (pack_dir / "schematrons" / f"{VOLET}.sch").read_text(encoding="utf-8"), encoding="utf-8"
    )
    pack = Pack.open(pack_dir)
    assert [s.name for s in pack.select((), [(VOLET_ROOT, "2025.01")])[0]] == ["CI-SIS_TEST-VOLET_2025.01"]
    none, why = pack.select(("auto",), [(VOLET_ROOT, "2030.01"), ("1.2.250.1.213.1.1.1.1", "")])
    assert none == [] and "1.2.250.1.213.1.1.1.999@2030.01" in why


def test_profiles_all_and_explicit_names(pack_dir: Path) -> None:
    pack = Pack.open(pack_dir)
    doc = [(VOLET_ROOT, "2024.01")]
    assert [s.name for s in pack.select(("profiles",), doc)[0]] == ["PROFIL-TEST"]
    assert [s.name for s in pack.select(("all",), doc)[0]] == ["PROFIL-TEST", VOLET]
    assert [s.name for s in pack.select(("PROFIL-TEST", "PROFIL-TEST"), [])[0]] == ["PROFIL-TEST"]


def test_without_examples_auto_selection_says_to_name_the_schematron(tmp_path: Path) -> None:
    pack = Pack.open(write_pack(tmp_path / "bare", examples=False))
    chosen, why = pack.select(("auto",), [(VOLET_ROOT, "2024.01")])
    assert chosen == [] and "--schematron" in why
