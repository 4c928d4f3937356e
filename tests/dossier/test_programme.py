"""Programme conditions are data: each value with its sources; a broken file is a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.dossier.programme import ProgrammeError, load_programme
from conformance.paths import profiles_dir

PROGRAMMES = sorted((profiles_dir() / "programme").glob("*.toml"))


def test_default_regional_call() -> None:
    p = load_programme()
    assert (p.minimum_size, p.minimum_size_corsica_overseas, p.national_from) == (15, 8, 50)
    assert p.minimum_organismes == 0 and p.minimum_socles == 2
    assert set(p.counting_socles) == {"mssante", "dmp", "eprescription"}
    assert p.accepted_trust == ("witnessed", "auto-attested") and len(p.sha256) == 64


def test_auvergne_rhone_alpes_2021_requires_three_organismes() -> None:
    p = load_programme(profiles_dir() / "programme" / "esms-numerique-ara-2021.toml")
    assert p.minimum_organismes == 3 and p.organismes.unsure


@pytest.mark.parametrize("path", PROGRAMMES, ids=lambda p: p.name)
def test_every_value_cites_declared_sources(path: Path) -> None:
    p = load_programme(path)
    for rule in (p.grappe_size, p.organismes, p.socles):
        assert rule.sources and all(s in p.sources for s in rule.sources)
        assert rule.text(socles="x", accepted="y")
    assert all(s.title and s.note for s in p.sources.values())


def _edit(tmp_path: Path, old: str, new: str) -> Path:
    text = (profiles_dir() / "programme" / "esms-numerique-regional.toml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "p.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('sources = ["cnsa-aide-investissement", "issue-15-seed"]', 'sources = ["nowhere"]', "undeclared sources"),
        ('accepted_trust = ["witnessed", "auto-attested"]', 'accepted_trust = ["anyone"]', "accepted_trust"),
        ("minimum = 15\n", "", "lacks minimum"),
        ("minimum = 15\n", "minimum = 0\n", "at least 1"),
        ("[programme]", "[programme", "cannot read"),
        ('id = "esms-numerique-regional"\n', "", "cannot read"),
    ],
)
def test_broken_programme_files(tmp_path: Path, old: str, new: str, message: str) -> None:
    with pytest.raises(ProgrammeError, match=message):
        load_programme(_edit(tmp_path, old, new))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ProgrammeError, match="cannot read"):
        load_programme(tmp_path / "none.toml")
