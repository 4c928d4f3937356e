"""IHE_XDM.zip and its METADATA.XML: layout, ebRIM structure, hash/size/URI, codes from the CDA header."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import date

import pytest
from lxml import etree

from conformance import identities
from conformance.formats.ins import nir_problem, parse_cx
from conformance.formats.xmlsafe import parse_xml
from conformance.socles.mssante.build.documents import BuiltDocument, build_document
from conformance.socles.mssante.build.inputs import (
    EHPAD,
    EHPAD_DOCTOR,
    REFERENCE,
    Bal,
    BuildEnv,
    Deviations,
    DocumentRequest,
    Patient,
)
from conformance.socles.mssante.build.metadata import (
    DE_SCHEMES,
    DOC_ENTRY,
    HAS_MEMBER,
    LCM,
    RIM,
    SS_SCHEMES,
    SUBMISSION_SET,
    utc_ts,
)
from conformance.socles.mssante.build.xdm import build_xdm

R = {"rim": RIM}
BAL = Bal("dui-app@ehpad-essai.mssante.fr", "EHPAD Essai - Soins")
REQUESTS = [
    DocumentRequest(
        "11490-0", "Lettre de liaison à la sortie d'un établissement de soins", "Lettre", date(2026, 11, 20)
    ),
    DocumentRequest(
        "11488-4",
        "CR ou fiche de consultation ou de visite",
        "CR",
        date(2026, 11, 18),
        invisible_patient=True,
    ),
]


def _docs(key: str = "resident-qualified", dev: Deviations = REFERENCE) -> list[BuiltDocument]:
    env = BuildEnv.fixed(3)
    patient = Patient.from_identity(identities.patient(key))
    return [build_document(patient, r, author=EHPAD_DOCTOR, org=EHPAD, env=env, deviations=dev) for r in REQUESTS]


def _zip(dev: Deviations = REFERENCE, key: str = "resident-qualified") -> dict[str, bytes]:
    data = build_xdm(_docs(key, dev), sender=BAL, org=EHPAD, env=BuildEnv.fixed(4), deviations=dev)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        return {n: zf.read(n) for n in zf.namelist()}


def _metadata(files: dict[str, bytes]) -> etree._Element:
    return parse_xml(files["IHE_XDM/SUBSET01/METADATA.XML"])


def _slot(eo: etree._Element, name: str) -> list[str]:
    return [str(v) for v in eo.xpath(f"rim:Slot[@name='{name}']/rim:ValueList/rim:Value/text()", namespaces=R)]


def _code(eo: etree._Element, key: str) -> list[tuple[str, str]]:
    out = []
    for cl in eo.xpath(f"rim:Classification[@classificationScheme='{DE_SCHEMES[key]}']", namespaces=R):
        scheme = cl.xpath("rim:Slot[@name='codingScheme']/rim:ValueList/rim:Value/text()", namespaces=R)
        out.append((cl.get("nodeRepresentation"), str(scheme[0])))
    return out


def _ext(obj: etree._Element, scheme: str) -> str:
    values = obj.xpath(f"rim:ExternalIdentifier[@identificationScheme='{scheme}']/@value", namespaces=R)
    assert len(values) == 1
    return str(values[0])


@pytest.mark.requirements("MSS-XDM-01")
def test_layout() -> None:
    files = _zip()
    assert list(files) == [
        "README.TXT",
        "INDEX.HTM",
        "IHE_XDM/SUBSET01/METADATA.XML",
        "IHE_XDM/SUBSET01/DOC0001.XML",
        "IHE_XDM/SUBSET01/DOC0002.XML",
    ]
    readme = files["README.TXT"].decode("utf-8")
    assert "EHPAD Essai" in readme and BAL.address in readme and "DOC0002.XML" in readme
    index = parse_xml(files["INDEX.HTM"])  # HTML written as well-formed XHTML
    assert [a.get("href") for a in index.iter("a")] == [
        "IHE_XDM/SUBSET01/DOC0001.XML",
        "IHE_XDM/SUBSET01/DOC0002.XML",
        "README.TXT",
    ]


@pytest.mark.requirements("MSS-XDM-02")
def test_ebrim_structure() -> None:
    root = _metadata(_zip())
    assert root.tag == f"{{{LCM}}}SubmitObjectsRequest"
    objects = root.find(f"{{{RIM}}}RegistryObjectList")
    assert objects is not None
    entries = [e for e in objects.iter(f"{{{RIM}}}ExtrinsicObject") if e.get("objectType") == DOC_ENTRY]
    packages = list(objects.iter(f"{{{RIM}}}RegistryPackage"))
    assert len(entries) == 2 and len(packages) == 1
    ss = packages[0]
    nodes = [c for c in objects.iter(f"{{{RIM}}}Classification") if c.get("classificationNode") == SUBMISSION_SET]
    assert [n.get("classifiedObject") for n in nodes] == [ss.get("id")]
    assocs = [
        (a.get("associationType"), a.get("sourceObject"), a.get("targetObject"))
        for a in objects.iter(f"{{{RIM}}}Association")
    ]
    assert assocs == [(HAS_MEMBER, ss.get("id"), e.get("id")) for e in entries]
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert len(ids) == len(set(ids)) and all(i.startswith("urn:uuid:") for i in ids)
    assert _ext(ss, SS_SCHEMES["sourceId"]) == EHPAD.source_id
    assert _slot(ss, "submissionTime") == ["20261120093000"]


@pytest.mark.requirements("MSS-XDM-03")
def test_hash_size_uri() -> None:
    files = _zip()
    for eo in _metadata(files).iter(f"{{{RIM}}}ExtrinsicObject"):
        (uri,) = _slot(eo, "URI")
        data = files[f"IHE_XDM/SUBSET01/{uri}"]
        assert _slot(eo, "hash") == [hashlib.sha1(data).hexdigest()]
        assert _slot(eo, "size") == [str(len(data))]


@pytest.mark.requirements("MSS-XDM-04", "MSS-XDM-05")
def test_values_come_from_the_cda_header() -> None:
    docs = _docs()
    root = _metadata(_zip())
    entries = list(root.iter(f"{{{RIM}}}ExtrinsicObject"))
    for eo, doc in zip(entries, docs, strict=True):
        h = doc.header
        assert _code(eo, "typeCode") == [(h.code.code, h.code.system)]
        assert _code(eo, "formatCode") == [("urn:ihe:iti:xds-sd:pdf:2008", "1.3.6.1.4.1.19376.1.2.3")]
        assert _code(eo, "healthcareFacilityTypeCode") == [("SA17", "1.2.250.1.71.4.2.4")]
        assert _code(eo, "practiceSettingCode") == [("ESSMS", "1.2.250.1.213.1.1.4.9")]
        assert _slot(eo, "creationTime") == [utc_ts(h.effective_time)] == ["20261120093000"]
        assert _slot(eo, "serviceStartTime") == [h.service_start]
        assert _ext(eo, DE_SCHEMES["uniqueId"]) == h.doc_root
        pid = parse_cx(_ext(eo, DE_SCHEMES["patientId"]))
        assert pid is not None and (pid.id, pid.oid, pid.type_code) == (
            "238047505612394",
            "1.2.250.1.213.1.4.10",
            "NH",
        )
        assert _slot(eo, "sourcePatientId") == [f"EHPAD-0001^^^&{EHPAD.ipp_root}&ISO^PI"]
        assert "PID-5|MARTIN-ESSAI^Jeanne^^^^^L" in _slot(eo, "sourcePatientInfo")
    lettre, cr = entries
    assert _code(lettre, "classCode") == [("11", "1.2.250.1.213.1.1.4.1")]
    assert _code(cr, "classCode") == [("10", "1.2.250.1.213.1.1.4.1")]
    assert _code(lettre, "confidentialityCode") == [("N", "2.16.840.1.113883.5.25")]
    assert _code(cr, "confidentialityCode") == [
        ("N", "2.16.840.1.113883.5.25"),
        ("INVISIBLE_PATIENT", "1.2.250.1.213.1.1.4.13"),
    ]
    ss = next(root.iter(f"{{{RIM}}}RegistryPackage"))
    assert _ext(ss, SS_SCHEMES["patientId"]) == _ext(lettre, DE_SCHEMES["patientId"])


def test_unqualified_patient_id_is_local() -> None:
    root = _metadata(_zip(key="resident-unqualified"))
    eo = next(root.iter(f"{{{RIM}}}ExtrinsicObject"))
    assert _ext(eo, DE_SCHEMES["patientId"]) == f"EHPAD-0004^^^&{EHPAD.ipp_root}&ISO^PI"


def test_reproducible() -> None:
    assert _zip() == _zip()


DEPARTURES = [
    pytest.param(Deviations(readme=False), lambda f, root: "README.TXT" not in f, id="readme"),
    pytest.param(
        Deviations(associations=False),
        lambda f, root: not list(root.iter(f"{{{RIM}}}Association")),
        id="associations",
    ),
    pytest.param(
        Deviations(hash_of_document=False),
        lambda f, root: (
            _slot(next(root.iter(f"{{{RIM}}}ExtrinsicObject")), "hash")[0]
            != hashlib.sha1(f["IHE_XDM/SUBSET01/DOC0001.XML"]).hexdigest()
        ),
        id="hash",
    ),
    pytest.param(
        Deviations(patient_id_key_valid=False),
        lambda f, root: (
            nir_problem(_ext(next(root.iter(f"{{{RIM}}}ExtrinsicObject")), DE_SCHEMES["patientId"]).split("^")[0])
            is not None
        ),
        id="nir-key",
    ),
    pytest.param(
        Deviations(typecode_from_cda=False),
        lambda f, root: _code(next(root.iter(f"{{{RIM}}}ExtrinsicObject")), "typeCode")[0][0] != "11490-0",
        id="typecode",
    ),
    pytest.param(
        Deviations(junk_entries=True),
        lambda f, root: "IHE_XDM/.DS_Store" in f and any(n.startswith("__MACOSX/") for n in f),
        id="junk",
    ),
    pytest.param(
        Deviations(uri_case_mismatch=True),
        lambda f, root: _slot(next(root.iter(f"{{{RIM}}}ExtrinsicObject")), "URI") == ["doc0001.xml"],
        id="uri-case",
    ),
]


@pytest.mark.parametrize(("dev", "shows"), DEPARTURES)
def test_each_departure_changes_exactly_its_place(dev: Deviations, shows: object) -> None:
    files = _zip(dev)
    assert callable(shows) and shows(files, _metadata(files))
    reference = _zip()
    same = [n for n in reference if n in files and files[n] == reference[n]]
    assert "IHE_XDM/SUBSET01/DOC0001.XML" in same  # the documents themselves are untouched
