"""Fixtures of the DMP tests: a controlled terminology, the test PKI and an ANS rule pack.

Shortcuts to build artifacts and run the checks are in helpers.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.formats import terminology
from conformance.formats.pki import TestPKI
from conformance.formats.schematron import compile as compiling
from conformance.formats.schematron.runner import configure
from conformance.formats.terminology import Terminology, ValueSet, write_svs_subset
from tests.formats.schematron.helpers import write_pack

LOINC, R02, A00 = "2.16.840.1.113883.6.1", "1.2.250.1.71.4.2.4", "1.2.250.1.213.1.1.4.6"
# Test-owned value sets: just the concepts the helpers build with, plus one neighbour each, so that a test
# fails or passes because of the rule and not because of the shipped files' version.
TEST_SETS: dict[str, list[tuple[str, str]]] = {
    "JDV_J07_XdsTypeCode_CISIS": [
        ("11506-3", LOINC),
        ("74207-2", LOINC),
        ("11490-0", LOINC),
        ("E1762", "ASTM"),
    ],
    "JDV_J57_ClassCode_DMP": [
        ("11", "1.2.250.1.213.1.1.4.1"),
        ("10", "1.2.250.1.213.1.1.4.1"),
        ("urn:oid:1.3.6.1.4.1.19376.1.2.1.1.1", "URN"),
    ],
    "JDV_J60_FormatCode_DMP": [
        ("urn:ihe:iti:xds-sd:pdf:2008", "1.3.6.1.4.1.19376.1.2.3"),
        ("urn:asip:ci-sis:dlu:2015", "1.2.250.1.213.1.1.4.2.282"),
        ("urn:ihe:iti:xds-sd:text:2008", "1.3.6.1.4.1.19376.1.2.3"),
    ],
    "JDV_J61_HealthcareFacilityTypeCode_DMP": [("SA17", R02), ("SA16", R02), ("SNR", A00)],
    "JDV_J02_XdsHealthcareFacilityTypeCode_CISIS": [("SA17", R02), ("SA16", R02), ("SA66", R02)],
    "JDV_J04_XdsPracticeSettingCode_CISIS": [
        ("ESSMS", "1.2.250.1.213.1.1.4.9"),
        ("MAD", "1.2.250.1.213.1.1.4.9"),
    ],
    "JDV_J08_XdsConfidentialityCode_CISIS": [
        ("N", "2.16.840.1.113883.5.25"),
        ("R", "2.16.840.1.113883.5.25"),
        ("MASQUE_PS", "1.2.250.1.213.1.1.4.13"),
        ("INVISIBLE_PATIENT", "1.2.250.1.213.1.1.4.13"),
    ],
    "JDV_J59_ContentTypeCode_DMP": [
        ("11", "1.2.250.1.213.2.2"),
        ("SA41", R02),
        ("05", "1.2.250.1.213.1.6.1.128"),
    ],
    "JDV_J01_XdsAuthorSpecialty_CISIS": [("G15_60", "1.2.250.1.213.1.1.4.5"), ("LOGICIEL_DUI", A00)],
    "JDV_J143_AdministrativeGender_CISIS": [
        ("F", "2.16.840.1.113883.5.1"),
        ("M", "2.16.840.1.113883.5.1"),
        ("UN", "2.16.840.1.113883.5.1"),
    ],
}


@pytest.fixture(scope="session")
def test_terminology_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("jdv")
    for name, concepts in TEST_SETS.items():
        vs = ValueSet(oid="1.2.250.1.213.1.1.5.0", name=name, version="test", source="tests", sha256="")
        vs.concepts = {(code, system): code for code, system in concepts}
        write_svs_subset(vs, None, folder / f"{name}.xml", "test value set written by tests/socles/dmp/conftest.py")
    return folder


@pytest.fixture(autouse=True)
def controlled_terminology(test_terminology_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(terminology, "_DEFAULT", Terminology(test_terminology_dir))
    yield


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    """The test IGC-Santé of the DMP tests (created once per session in a temporary folder)."""
    return TestPKI.load_or_create(tmp_path_factory.getbasetemp() / "dmp-pki")


@pytest.fixture
def schematron_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Its own compile cache for a test that runs an ANS pack, and no pack configured behind it."""
    cache = tmp_path / "schematron-cache"
    monkeypatch.setenv("CONFORMANCE_SCHEMATRON_CACHE", str(cache))
    monkeypatch.delenv("CONFORMANCE_SCHEMATRON_PACK", raising=False)
    compiling.reset_memory()
    yield cache
    configure(None)
    compiling.reset_memory()


@pytest.fixture
def pack_dir(tmp_path: Path, schematron_cache: Path) -> Path:
    """The tests' tiny TestContenuCDA-layout pack (tests/formats/schematron/helpers.py)."""
    return write_pack(tmp_path / "pack")
