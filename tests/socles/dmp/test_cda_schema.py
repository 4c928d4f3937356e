"""DMP-C01: the CDA against CDA_extended.xsd of the ANS pack given with --schematron-pack; not
applicable (with its reason) without a pack or without the schema in it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conformance.formats.schematron.pack import Pack
from conformance.formats.schematron.runner import PackRunner
from conformance.model import CheckContext, Verdict
from tests.formats.schematron.helpers import write_pack

from . import helpers as b

REPO = Path(__file__).resolve().parents[3]
HL7 = "urn:hl7-org:v3"
# a tiny stand-in for CDA_extended.xsd, written here: a ClinicalDocument must hold an id, then a code
TINY_XSD = f"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="{HL7}"
  xmlns="{HL7}" elementFormDefault="qualified">
  <xs:element name="ClinicalDocument"><xs:complexType><xs:sequence>
    <xs:element name="id"><xs:complexType><xs:attribute name="root" use="required"/></xs:complexType></xs:element>
    <xs:element name="code" minOccurs="0"><xs:complexType><xs:attribute name="code"/></xs:complexType></xs:element>
  </xs:sequence></xs:complexType></xs:element>
</xs:schema>"""


def _ctx(pack: Path) -> CheckContext:
    return CheckContext(extra={"schematron_pack": PackRunner(Pack.open(pack))})


def _run(data: bytes, ctx: CheckContext) -> list:  # type: ignore[type-arg]
    return [f for f in b.run_cda(data, ctx) if f.requirement == "DMP-C01"]


@pytest.mark.requirements("DMP-C01")
def test_schema_of_the_pack_passes_and_fails(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "pack")
    (pack / "infrastructure" / "cda").mkdir(parents=True)
    (pack / "infrastructure" / "cda" / "CDA_extended.xsd").write_text(TINY_XSD, encoding="utf-8")
    ctx = _ctx(pack)
    good = _run(f'<ClinicalDocument xmlns="{HL7}"><id root="1.2.3"/><code code="x"/></ClinicalDocument>'.encode(), ctx)
    assert [f.verdict for f in good] == [Verdict.PASS]
    bad = _run(f'<ClinicalDocument xmlns="{HL7}"><code code="x"/><id root="1.2.3"/></ClinicalDocument>'.encode(), ctx)
    assert bad and all(f.verdict is Verdict.FAIL and f.requirement == "DMP-C01" for f in bad)
    assert "line 1" in bad[0].location and "CDA_extended.xsd" in bad[0].message_en
    # a hostile document never reaches the schema: reading it fails DMP-C02, and DMP-C01 is not judged
    hostile = b.run_cda(b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>", ctx)
    assert [(f.requirement, f.verdict) for f in hostile] == [("DMP-C02", Verdict.FAIL)]


@pytest.mark.requirements("DMP-C01")
def test_not_applicable_without_pack_or_schema(tmp_path: Path) -> None:
    doc = b.to_bytes(b.cda_root())
    none = _run(doc, CheckContext())
    assert [f.verdict for f in none] == [Verdict.NOT_APPLICABLE] and "--schematron-pack" in none[0].message_en
    bare = _run(doc, _ctx(write_pack(tmp_path / "pack")))
    assert [f.verdict for f in bare] == [Verdict.NOT_APPLICABLE] and "CDA_extended.xsd" in bare[0].message_en


def _checkout() -> Path | None:
    for candidate in (os.environ.get("CONFORMANCE_TESTCONTENUCDA"), REPO.parent / "TestContenuCDA-3-0"):
        if candidate and (Path(candidate) / "infrastructure" / "cda" / "CDA_extended.xsd").is_file():
            return Path(candidate)
    return None


@pytest.mark.skipif(_checkout() is None, reason="no TestContenuCDA checkout ($CONFORMANCE_TESTCONTENUCDA)")
@pytest.mark.requirements("DMP-C01")
def test_demo_cda_against_the_official_schema() -> None:
    ctx = _ctx(_checkout())  # type: ignore[arg-type]
    assert [f.verdict for f in _run(b.to_bytes(b.cda_root()), ctx)] == [Verdict.PASS]
    assert [f.verdict for f in _run(b.to_bytes(b.dlu_root()), ctx)] == [Verdict.PASS]
    root = b.cda_root()
    title = root.find(f"{{{HL7}}}title")
    assert title is not None
    root.remove(title)
    root.insert(0, title)  # title before realmCode: out of the schema's sequence
    broken = _run(b.to_bytes(root), ctx)
    assert broken and {f.verdict for f in broken} == {Verdict.FAIL}
