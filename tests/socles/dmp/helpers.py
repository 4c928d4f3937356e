"""Helpers of the DMP tests.

- Good DMP artifacts built with lxml: an N1 CDA carrying a PDF, a DLU header with its sections,
  and the ProvideAndRegisterDocumentSetRequest that feeds it. Tests take these and break one thing.
- Running the DMP checks on bytes the way `conformance validate` and the scenarios do
  (`run_checks` over every DMP check of the kind, each artifact read once).
- The test PKI's VIHF, a running mock DMP, a reference DUI configured for it, and the DMP suite
  run through the engine in a child process.

Synthetic data only: the resident-qualified identity of fixtures/identities.json (test INS OID
.10), names ending in -ESSAI, made-up national identifiers.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from copy import deepcopy
from pathlib import Path
from typing import Any

from lxml import etree

from conformance import identities
from conformance.demo import DemoDriver
from conformance.engine.evidence import EvidenceJournal
from conformance.formats.pdf import build_pdf
from conformance.formats.pki import TestPKI
from conformance.identities import patient
from conformance.model import Artifact, CheckContext, Finding, Verdict
from conformance.registry import run_checks
from conformance.socle import get_socle
from conformance.socles.dmp.build.vihf import VihfInput, signed_vihf
from conformance.socles.dmp.service.app import DmpService

get_socle("dmp").load_checks()

HL7 = "urn:hl7-org:v3"
RIM = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"
LCM = "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"
XDSB = "urn:ihe:iti:xds-b:2007"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NS = {"cda": HL7, "rim": RIM, "lcm": LCM, "xdsb": XDSB}

PATIENT = patient("resident-qualified")
AUTHOR_ID = "810000000006"  # 8 + made-up RPPS
STRUCT_ID = "1750000001"  # 1 + made-up FINESS
IPP_OID = "1.2.250.1.999.1.1.7898.2"
DOC_ROOT = "1.2.250.1.999.1.1.7898.3.20261123.1"
SS_UNIQUE = "1.2.250.1.999.1.1.7898.4.20261123.1"
SOURCE_ID = "1.2.250.1.999.1.1.7898"
SIGNATURE_XML = b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="sig-essai"/>'


def make_pdf(pdfa: bool = True) -> bytes:
    """The reference DUI's PDF/A-1b (or the same PDF without its PDF/A identification)."""
    return build_pdf(
        "Document de test MARTIN-ESSAI",
        ["Document de test MARTIN-ESSAI"],
        author="ESSAI",
        created=dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC),
        pdfa=pdfa,
    )


_PDF_A = make_pdf(True)


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{HL7}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def _person(parent: etree._Element, family: str, given: str) -> None:
    name = _el(_el(parent, "assignedPerson"), "name")
    _el(name, "given", given)
    _el(name, "family", family)


def _org(parent: etree._Element, tag: str = "representedOrganization", sic: bool = False) -> etree._Element:
    org = _el(parent, tag)
    _el(org, "id", root="1.2.250.1.71.4.2.2", extension=STRUCT_ID)
    _el(org, "name", "EHPAD LES ESSAIS")
    if sic:
        _el(
            org,
            "standardIndustryClassCode",
            code="ESSMS",
            codeSystem="1.2.250.1.213.1.1.4.9",
            displayName="Etablissement ou Service Social ou Médico-Social",
        )
    return org


def cda_root(pdf: bytes | None = None) -> etree._Element:
    """A good N1 CDA (PDF body) for the resident-qualified test identity."""
    doc = etree.Element(f"{{{HL7}}}ClinicalDocument", nsmap={None: HL7, "xsi": XSI})
    _el(doc, "realmCode", code="FR")
    _el(doc, "typeId", root="2.16.840.1.113883.1.3", extension="POCD_HD000040")
    for root in ("2.16.840.1.113883.2.8.2.1", "1.2.250.1.213.1.1.1.1", "1.3.6.1.4.1.19376.1.2.20"):
        _el(doc, "templateId", root=root)
    _el(doc, "id", root=DOC_ROOT)
    _el(
        doc,
        "code",
        code="11506-3",
        codeSystem="2.16.840.1.113883.6.1",
        displayName="CR ou fiche de suivi de soins par auxiliaire médical",
    )
    _el(doc, "title", "Fiche de suivi de soins")
    _el(doc, "effectiveTime", value="20261123101500+0100")
    _el(doc, "confidentialityCode", code="N", codeSystem="2.16.840.1.113883.5.25", displayName="Normal")
    _el(doc, "languageCode", code="fr-FR")
    _el(doc, "setId", root=DOC_ROOT + ".0")
    _el(doc, "versionNumber", value="1")
    role = _el(_el(doc, "recordTarget"), "patientRole")
    _el(role, "id", root=PATIENT["ins_oid"], extension=PATIENT["ins"])
    _el(role, "id", root=IPP_OID, extension=PATIENT["record_id"])
    pat = _el(role, "patient", classCode="PSN")
    name = _el(pat, "name")
    _el(name, "family", PATIENT["birth_name"], qualifier="BR")
    _el(name, "given", " ".join(PATIENT["given_names"]).upper())
    _el(name, "given", PATIENT["first_given"].upper(), qualifier="BR")
    _el(pat, "administrativeGenderCode", code=PATIENT["sex"], codeSystem="2.16.840.1.113883.5.1")
    _el(pat, "birthTime", value=PATIENT["birth_date"].replace("-", ""))
    addr = _el(_el(_el(pat, "birthplace"), "place"), "addr")
    _el(addr, "county", PATIENT["birth_place"])
    author = _el(doc, "author")
    _el(author, "time", value="20261123101500+0100")
    assigned = _el(author, "assignedAuthor")
    _el(assigned, "id", root="1.2.250.1.71.4.2.1", extension=AUTHOR_ID)
    _el(assigned, "code", code="G15_60", codeSystem="1.2.250.1.213.1.1.4.5", displayName="Infirmier")
    _person(assigned, "SOIGNANT-ESSAI", "Claire")
    _org(assigned)
    custodian = _el(_el(doc, "custodian"), "assignedCustodian")
    _org(custodian, "representedCustodianOrganization")
    legal = _el(doc, "legalAuthenticator")
    _el(legal, "time", value="20261123101500+0100")
    _el(legal, "signatureCode", code="S")
    entity = _el(legal, "assignedEntity")
    _el(entity, "id", root="1.2.250.1.71.4.2.1", extension=AUTHOR_ID)
    _person(entity, "SOIGNANT-ESSAI", "Claire")
    event = _el(_el(doc, "documentationOf"), "serviceEvent")
    times = _el(event, "effectiveTime")
    _el(times, "low", value="20261123090000+0100")
    _el(times, "high", value="20261123093000+0100")
    perf = _el(_el(event, "performer", typeCode="PRF"), "assignedEntity")
    _el(perf, "id", root="1.2.250.1.71.4.2.1", extension=AUTHOR_ID)
    _person(perf, "SOIGNANT-ESSAI", "Claire")
    _org(perf, sic=True)
    enc = _el(_el(doc, "componentOf"), "encompassingEncounter")
    _el(_el(enc, "effectiveTime"), "low", value="20261101")
    fac = _el(_el(enc, "location"), "healthCareFacility")
    _el(
        fac,
        "code",
        code="SA17",
        codeSystem="1.2.250.1.71.4.2.4",
        displayName="Etablissement pour personnes âgées",
    )
    body = _el(_el(doc, "component"), "nonXMLBody")
    _el(
        body,
        "text",
        base64.b64encode(pdf if pdf is not None else _PDF_A).decode(),
        mediaType="application/pdf",
        representation="B64",
    )
    return doc


DLU_SECTIONS = (
    "1.3.6.1.4.1.19376.1.5.3.1.1.13.2.10",
    "1.3.6.1.4.1.19376.1.5.3.1.3.19",
    "1.3.6.1.4.1.19376.1.5.3.1.3.35",
    "1.3.6.1.4.1.19376.1.7.3.1.1.13.7",
    "1.3.6.1.4.1.19376.1.5.3.1.3.28",
    "1.2.250.1.213.1.1.2.37",
)


def dlu_root() -> etree._Element:
    """A good DLU header (structured body with its six mandatory sections, empty narrative)."""
    doc = cda_root()
    sd = doc.find(f"{{{HL7}}}templateId[@root='1.3.6.1.4.1.19376.1.2.20']")
    sd.set("root", "1.2.250.1.213.1.1.1.22")
    sd.set("extension", "2022.01")
    code = doc.find(f"{{{HL7}}}code")
    code.attrib.update({"code": "74207-2", "displayName": "Document de liaison d'urgence"})
    legal = doc.find(f"{{{HL7}}}legalAuthenticator")
    part = etree.Element(f"{{{HL7}}}participant", typeCode="INF")
    legal.addnext(part)
    _el(part, "functionCode", code="PCP", codeSystem="2.16.840.1.113883.5.88", displayName="Médecin traitant")
    assoc = _el(part, "associatedEntity", classCode="PROV")
    _el(assoc, "id", root="1.2.250.1.71.4.2.1", extension="810000000014")
    event = doc.find(f"{{{HL7}}}documentationOf/{{{HL7}}}serviceEvent")
    event.insert(0, etree.Element(f"{{{HL7}}}code", code="34117-2", codeSystem="2.16.840.1.113883.6.1"))
    component = doc.find(f"{{{HL7}}}component")
    component.remove(component[0])
    body = _el(component, "structuredBody")
    for oid in DLU_SECTIONS:
        section = _el(_el(body, "component"), "section")
        _el(section, "templateId", root=oid)
        _el(section, "text", "-")
    return doc


def to_bytes(el: etree._Element) -> bytes:
    return etree.tostring(el, xml_declaration=True, encoding="UTF-8")


# ------------------------------------------------------------------ XDS metadata


def _rim(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{RIM}}}{tag}", attrs)


def slot(parent: etree._Element, name: str, *values: str) -> etree._Element:
    s = _rim(parent, "Slot", name=name)
    vl = _rim(s, "ValueList")
    for v in values:
        _rim(vl, "Value").text = v
    return s


def _name(parent: etree._Element, value: str) -> None:
    _rim(_rim(parent, "Name"), "LocalizedString", value=value)


def classification(
    parent: etree._Element, scheme: str, obj: str, code: str, coding: str, display: str, cid: str
) -> etree._Element:
    c = _rim(
        parent,
        "Classification",
        classificationScheme=scheme,
        classifiedObject=obj,
        nodeRepresentation=code,
        id=cid,
    )
    slot(c, "codingScheme", coding)
    _name(c, display)
    return c


def _author(parent: etree._Element, scheme: str, obj: str, cid: str) -> etree._Element:
    c = _rim(
        parent,
        "Classification",
        classificationScheme=scheme,
        classifiedObject=obj,
        nodeRepresentation="",
        id=cid,
    )
    slot(c, "authorPerson", f"{AUTHOR_ID}^SOIGNANT-ESSAI^Claire^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS")
    slot(c, "authorInstitution", f"EHPAD LES ESSAIS^^^^^&1.2.250.1.71.4.2.2&ISO^IDNST^^^{STRUCT_ID}")
    slot(c, "authorSpecialty", "G15_60^Infirmier^1.2.250.1.213.1.1.4.5")
    return c


def _external(parent: etree._Element, scheme: str, obj: str, value: str, name: str, eid: str) -> None:
    e = _rim(parent, "ExternalIdentifier", identificationScheme=scheme, registryObject=obj, value=value, id=eid)
    _name(e, name)


INS_CX = f"{PATIENT['ins']}^^^&{PATIENT['ins_oid']}&ISO^NH"
DE = {
    "author": "urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d",
    "classCode": "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a",
    "confidentialityCode": "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f",
    "formatCode": "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d",
    "healthcareFacilityTypeCode": "urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1",
    "practiceSettingCode": "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead",
    "typeCode": "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983",
    "patientId": "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427",
    "uniqueId": "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab",
}


def _entry(objects: etree._Element, eid: str, doc: bytes, signature: bool) -> etree._Element:
    e = _rim(
        objects,
        "ExtrinsicObject",
        id=eid,
        mimeType="text/xml",
        objectType="urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1",
    )
    slot(e, "creationTime", "20261123091500")
    slot(e, "languageCode", "art" if signature else "fr-FR")
    if not signature:
        slot(
            e,
            "legalAuthenticator",
            f"{AUTHOR_ID}^SOIGNANT-ESSAI^Claire^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS",
        )
        slot(e, "serviceStartTime", "20261123080000")
        slot(e, "serviceStopTime", "20261123083000")
    slot(e, "sourcePatientId", f"{PATIENT['record_id']}^^^&{IPP_OID}&ISO^PI")
    slot(
        e,
        "sourcePatientInfo",
        f"PID-5|{PATIENT['birth_name']}^{PATIENT['first_given'].upper()}^^^^^L",
        "PID-7|" + PATIENT["birth_date"].replace("-", ""),
        "PID-8|" + PATIENT["sex"],
    )
    slot(e, "hash", hashlib.sha1(doc).hexdigest())
    slot(e, "size", str(len(doc)))
    _name(e, "Source" if signature else "Fiche de suivi de soins")
    n = iter(range(100))

    def cid() -> str:
        return f"cl-{eid}-{next(n)}"

    _author(e, DE["author"], eid, cid())
    if signature:
        classification(
            e, DE["classCode"], eid, "urn:oid:1.3.6.1.4.1.19376.1.2.1.1.1", "URN", "Digital Signature", cid()
        )
        classification(e, DE["typeCode"], eid, "E1762", "ASTM", "Full Document", cid())
        classification(
            e,
            DE["formatCode"],
            eid,
            "http://www.w3.org/2000/09/xmldsig#",
            "URN",
            "Default Signature Style",
            cid(),
        )
        codes = [
            ("N", "2.16.840.1.113883.5.25"),
            ("MASQUE_PS", "1.2.250.1.213.1.1.4.13"),
            ("INVISIBLE_PATIENT", "1.2.250.1.213.1.1.4.13"),
        ]
    else:
        classification(e, DE["classCode"], eid, "11", "1.2.250.1.213.1.1.4.1", "Synthèse", cid())
        classification(
            e,
            DE["typeCode"],
            eid,
            "11506-3",
            "2.16.840.1.113883.6.1",
            "CR ou fiche de suivi de soins par auxiliaire médical",
            cid(),
        )
        classification(
            e,
            DE["formatCode"],
            eid,
            "urn:ihe:iti:xds-sd:pdf:2008",
            "1.3.6.1.4.1.19376.1.2.3",
            "Document à corps non structuré en Pdf/A-1",
            cid(),
        )
        codes = [("N", "2.16.840.1.113883.5.25")]
    for code, system in codes:
        classification(e, DE["confidentialityCode"], eid, code, system, code, cid())
    classification(
        e,
        DE["healthcareFacilityTypeCode"],
        eid,
        "SA17",
        "1.2.250.1.71.4.2.4",
        "Etablissement pour personnes âgées",
        cid(),
    )
    classification(
        e,
        DE["practiceSettingCode"],
        eid,
        "ESSMS",
        "1.2.250.1.213.1.1.4.9",
        "Etablissement ou Service Social ou Médico-Social",
        cid(),
    )
    _external(e, DE["patientId"], eid, INS_CX, "XDSDocumentEntry.patientId", f"ei-{eid}-1")
    _external(
        e,
        DE["uniqueId"],
        eid,
        "1.2.250.1.999.1.1.7898.5.1" if signature else DOC_ROOT,
        "XDSDocumentEntry.uniqueId",
        f"ei-{eid}-2",
    )
    return e


def association(
    objects: etree._Element, kind: str, source: str, target: str, aid: str, status: str | None = "Original"
) -> etree._Element:
    a = _rim(objects, "Association", associationType=kind, sourceObject=source, targetObject=target, id=aid)
    if status is not None:
        slot(a, "SubmissionSetStatus", status)
    return a


def pnr_root(cda: bytes | None = None) -> etree._Element:
    """A good ProvideAndRegisterDocumentSetRequest: SubmissionSet, CDA entry, signature entry."""
    doc = cda if cda is not None else to_bytes(cda_root())
    root = etree.Element(
        f"{{{XDSB}}}ProvideAndRegisterDocumentSetRequest", nsmap={"xdsb": XDSB, "lcm": LCM, "rim": RIM}
    )
    request = etree.SubElement(root, f"{{{LCM}}}SubmitObjectsRequest")
    objects = _rim(request, "RegistryObjectList")
    ss = _rim(objects, "RegistryPackage", id="SubmissionSet01")
    slot(ss, "submissionTime", "20261123091600")
    _name(ss, "Lot EHPAD LES ESSAIS")
    _author(ss, "urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d", "SubmissionSet01", "cl-ss-1")
    classification(
        ss,
        "urn:uuid:aa543740-bdda-424e-8c96-df4873be8500",
        "SubmissionSet01",
        "11",
        "1.2.250.1.213.2.2",
        "Hébergement complet ou internat",
        "cl-ss-2",
    )
    _external(
        ss,
        "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446",
        "SubmissionSet01",
        INS_CX,
        "XDSSubmissionSet.patientId",
        "ei-ss-1",
    )
    _external(
        ss,
        "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832",
        "SubmissionSet01",
        SOURCE_ID,
        "XDSSubmissionSet.sourceId",
        "ei-ss-2",
    )
    _external(
        ss,
        "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8",
        "SubmissionSet01",
        SS_UNIQUE,
        "XDSSubmissionSet.uniqueId",
        "ei-ss-3",
    )
    _entry(objects, "Document01", doc, signature=False)
    _entry(objects, "Signature01", SIGNATURE_XML, signature=True)
    _rim(
        objects,
        "Classification",
        classifiedObject="SubmissionSet01",
        id="cl-ss-node",
        classificationNode="urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd",
    )
    has = "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember"
    association(objects, has, "SubmissionSet01", "Document01", "as-1")
    association(objects, has, "SubmissionSet01", "Signature01", "as-2")
    association(objects, "urn:ihe:iti:2007:AssociationType:signs", "Signature01", "SubmissionSet01", "as-3", None)
    for did, data in (("Document01", doc), ("Signature01", SIGNATURE_XML)):
        d = etree.SubElement(root, f"{{{XDSB}}}Document", id=did)
        d.text = base64.b64encode(data).decode()
    return root


def copy(el: etree._Element) -> etree._Element:
    return deepcopy(el)


# -- running the checks ---------------------------------------------------------------------------


def checked(art: Artifact, ctx: CheckContext | None = None) -> list[Finding]:
    """Every DMP check of the artifact's kind, as `conformance validate` and the scenarios run them."""
    return run_checks(art, ctx or CheckContext(), ["dmp"])


def run(
    kind: str, data: bytes, ctx: CheckContext | None = None, name: str = "artifact", **meta: object
) -> list[Finding]:
    return checked(Artifact(kind, name, data, dict(meta)), ctx)


def run_cda(data: bytes, ctx: CheckContext | None = None) -> list[Finding]:
    return run("cda", data, ctx, "doc.xml")


def run_xds(data: bytes, ctx: CheckContext | None = None, **meta: object) -> list[Finding]:
    """The XDS metadata checks but the lot's XAdES signature (DMP-S02): `pnr_root` carries a placeholder
    signature part, and test_xades judges really signed lots."""
    return [f for f in run("xds-metadata", data, ctx, "pnr.xml", **meta) if f.requirement != "DMP-S02"]


def verdicts(findings: list[Finding], req: str) -> set[Verdict]:
    return {f.verdict for f in findings if f.requirement == req}


def fails(findings: list[Finding], req: str | None = None) -> list[Finding]:
    return [f for f in findings if f.verdict is Verdict.FAIL and (req is None or f.requirement == req)]


# -- the test PKI's VIHF, the mock DMP and the reference DUI --------------------------------------


def vihf(pki: TestPKI, cert: str = "signing_cert", key: str = "signing_key", **overrides: object) -> etree._Element:
    inp = VihfInput(structure_id="1990000001", resource_id=INS_CX)
    for name, value in overrides.items():
        setattr(inp, name, value)
    return signed_vihf(inp, pki.path(key).read_bytes(), pki.path(cert).read_bytes())


def vihf_bytes(pki: TestPKI, **overrides: object) -> bytes:
    return etree.tostring(vihf(pki, **overrides))


@contextmanager
def running_dmp(pki: TestPKI, folder: Path) -> Iterator[DmpService]:
    service = DmpService(EvidenceJournal(folder / "evidence"), pki)
    service.start()
    try:
        yield service
    finally:
        service.stop()


def demo_for(service: DmpService, defect: str | None = None) -> DemoDriver:
    dui = DemoDriver(defect)
    dui.configure({"dmp": {**service.settings(), "patients": identities.patients()}})
    return dui


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# -- the DMP suite through the engine -------------------------------------------------------------

BOOT = """
import sys
import pytest
import conformance.socle as socle_module
from conformance.socles.dmp import SOCLE
installed = dict(socle_module.installed_socles())
installed["dmp"] = SOCLE
socle_module.installed_socles = lambda: installed
sys.exit(pytest.main(sys.argv[1:]))
"""


def run_suite(out: Path, dui: str = "demo", *extra: str) -> tuple[int, str, dict[str, Any]]:
    """(exit code, output tail, results.json) of `pytest --socle=dmp --dui=<dui>` in a child process,
    through the real plugin, fixtures module, journal and verdicts."""
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            BOOT,
            "--socle",
            "dmp",
            "--dui",
            dui,
            "--out",
            str(out),
            "-p",
            "no:cacheprovider",
            "-q",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=str(out.parent),
    )
    results = json.loads((out / "results.json").read_text()) if (out / "results.json").is_file() else {}
    return proc.returncode, proc.stdout[-4000:] + proc.stderr[-2000:], results
