"""The rules of facts stated twice (issue 12), each failing on one bad input and passing on the good one:
DMP-I07 (matricule vs traits, CDA and sourcePatientInfo), DMP-C10 and DMP-X13 (no time in the future of
the reference time), DMP-X14 (declared mimeType vs content). Findings are worded in both languages."""

from __future__ import annotations

import datetime as dt

import pytest

from conformance.model import CheckContext, Verdict

from . import helpers as b
from .helpers import fails, run_cda, run_xds, verdicts
from .test_xds_metadata import DOC, _set, _value, _x

# the capture time of the helpers' lot: 15 minutes after its creationTime (20261123091500 UTC)
CAPTURED = CheckContext(at=dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC), at_source="capture")
PATIENT_PATH = "{urn:hl7-org:v3}recordTarget/{urn:hl7-org:v3}patientRole/{urn:hl7-org:v3}patient"


def _cda(**changes: str) -> bytes:
    doc = b.cda_root()
    pat = doc.find(PATIENT_PATH)
    assert pat is not None
    for tag, value in changes.items():
        el = pat.find(f"{{urn:hl7-org:v3}}{tag}")
        assert el is not None
        el.set("code" if tag == "administrativeGenderCode" else "value", value)
    return b.to_bytes(doc)


@pytest.mark.requirements("DMP-I07")
def test_matricule_and_cda_traits() -> None:
    assert verdicts(run_cda(_cda()), "DMP-I07") == {Verdict.PASS}
    birth = b.PATIENT["birth_date"].replace("-", "")
    other_year = str(int(birth[:4]) - 3) + birth[4:]
    found = fails(run_cda(_cda(birthTime=other_year)), "DMP-I07")
    assert len(found) == 1 and found[0].location.endswith("cda:patientRole/cda:id[1]")
    assert f"birth year {other_year[:4]}" in found[0].message_en
    assert f"année de naissance {other_year[:4]}" in found[0].message_fr and "birth" not in found[0].message_fr
    other_sex = "M" if b.PATIENT["sex"] == "F" else "F"
    both = fails(run_cda(_cda(administrativeGenderCode=other_sex, birthTime=other_year)), "DMP-I07")
    assert len(both) == 2 and any("chiffre de sexe" in f.message_fr for f in both)


@pytest.mark.requirements("DMP-I07")
def test_matricule_and_source_patient_info() -> None:
    assert verdicts(run_xds(b.to_bytes(b.pnr_root())), "DMP-I07") == {Verdict.PASS}
    birth = b.PATIENT["birth_date"].replace("-", "")
    month = "05" if birth[4:6] != "05" else "06"
    root = b.pnr_root()
    info = _x(root, f"{DOC}/rim:Slot[@name='sourcePatientInfo']/rim:ValueList")
    for value in info:
        if (value.text or "").startswith("PID-7|"):
            value.text = f"PID-7|{birth[:4]}{month}{birth[6:]}"
    found = fails(run_xds(b.to_bytes(root)), "DMP-I07")
    assert len(found) == 1 and "sourcePatientInfo" in found[0].location
    assert f"mois de naissance {month}" in found[0].message_fr


@pytest.mark.requirements("DMP-X13")
def test_no_creation_time_in_the_future_of_the_capture() -> None:
    assert verdicts(run_xds(b.to_bytes(b.pnr_root()), CAPTURED), "DMP-X13") == {Verdict.PASS}
    root = b.pnr_root()
    _value(DOC, "creationTime", "20261123101500")(root)  # local time (UTC+1) written as UTC
    found = fails(run_xds(b.to_bytes(root), CAPTURED), "DMP-X13")
    assert found and "creationTime" in found[0].location and "2026-11-23T09:30:00Z" in found[0].message_en
    # within the stated clock skew (10 min): not a finding
    _value(DOC, "creationTime", "20261123093900")(root)
    assert not fails(run_xds(b.to_bytes(root), CAPTURED), "DMP-X13")


@pytest.mark.requirements("DMP-C10")
def test_no_cda_time_in_the_future_of_the_capture() -> None:
    ctx = CheckContext(at=dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC), at_source="given")
    assert verdicts(run_cda(_cda(), ctx), "DMP-C10") == {Verdict.PASS}  # 10:15+0100 is 09:15 UTC
    doc = b.cda_root()
    legal = doc.find("{urn:hl7-org:v3}legalAuthenticator/{urn:hl7-org:v3}time")
    assert legal is not None
    legal.set("value", "20261124101500+0100")  # signed tomorrow
    found = fails(run_cda(b.to_bytes(doc), ctx), "DMP-C10")
    assert len(found) == 1 and "legalAuthenticator" in found[0].location


@pytest.mark.requirements("DMP-X14")
def test_declared_mime_type_against_the_part() -> None:
    assert verdicts(run_xds(b.to_bytes(b.pnr_root())), "DMP-X14") == {Verdict.PASS}
    root = b.pnr_root()
    _set(DOC, "mimeType", "application/xslt+xml")(root)  # a plain CDA declared self-presentable
    found = fails(run_xds(b.to_bytes(root)), "DMP-X14")
    assert len(found) == 1 and found[0].location.endswith("/@mimeType")
    assert "CDA" in found[0].message_fr and "mimeType" in found[0].message_en
