"""EP-23, the part the harness can observe: the ordonnance shared beyond the prescription service.

The DUI feeds the ordonnance to the DMP and, at the patient's request, sends it to the patient's
Mon espace santé mailbox. Either way the document is a CDA N1 typed 57833-6 "Prescription de produits
de santé" (LOINC, JDV_J07), class 42 "Prescription" (JDV_J57, TRE_A03 ClasseDocument), whose PDF body
is the printed ordonnance: its QR code and its number in clear are the number the e-prescription
service assigned (the same reading as EP-25, ordonnance.py). A message to the patient's INS-based
address is only allowed when the patient's INS is qualified (RNIV).

Two checks: over the XDS lot the DMP received (kind "xds-metadata", its MTOM parts in
`artifact.meta["documents"]`) and over a sent e-mail (kind "email", IHE_XDM + PDF copies). The scenario
says what was shared in `ctx.extra["prescription_number"]` (and `ctx.patient`); without it (artifact
mode) only documents typed 57833-6 are judged, against the number they print. The CNAM registration
and the consents of EP-23 are not observable (the téléservice contract is not public).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from typing import TYPE_CHECKING

from conformance.formats.xmlsafe import XmlRefused, parse_xml
from conformance.model import Artifact, CheckContext, Finding, Verdict
from conformance.registry import check
from conformance.socles.eprescription.checks.ordonnance import ordonnance_findings, read_printed
from conformance.socles.eprescription.messages import M, either

if TYPE_CHECKING:  # imported when used: the other socles' parsers are loaded only for their artifacts
    from conformance.socles.dmp.api import RegistryObject
    from conformance.socles.mssante.api import DocEntry

RID = "EP-23"
LOINC = "2.16.840.1.113883.6.1"
CLASS_SYSTEM = "1.2.250.1.213.1.1.4.1"  # TRE_A03 ClasseDocument (JDV_J57 for the DMP, J06 for XDM)
ORDONNANCE_TYPE = "57833-6"  # Prescription de produits de santé
PRESCRIPTION_CLASS = "42"  # Prescription
HL7 = "urn:hl7-org:v3"


def pdf_of_cda(cda: bytes) -> tuple[bytes | None, str]:
    """The PDF body of a CDA N1 (nonXMLBody/text, B64), or (None, why not)."""
    try:
        root = parse_xml(cda)
    except XmlRefused as exc:
        return None, f"CDA refused: {exc}"
    text = root.find(f"{{{HL7}}}component/{{{HL7}}}nonXMLBody/{{{HL7}}}text")
    if text is None:
        return None, "no component/nonXMLBody/text (not a CDA N1)"
    if text.get("mediaType") != "application/pdf" or text.get("representation") != "B64":
        return None, f"nonXMLBody/text is {text.get('mediaType')!r} {text.get('representation')!r}, not a B64 PDF"
    try:
        return base64.b64decode("".join((text.text or "").split()), validate=True), ""
    except (binascii.Error, ValueError):
        return None, "nonXMLBody/text is not valid base64"


def printed_ordonnance(pdf: bytes | None, why: str, expected: str | None, where: str) -> Iterator[Finding]:
    """The PDF shared is the printed ordonnance: QR code and number in clear = the assigned number."""
    if pdf is None:
        yield M.fail(RID, "shared.no-pdf", where, why=why)
        return
    found = [f for f in ordonnance_findings(read_printed(pdf), expected) if f.requirement == "EP-25"]
    bad = [f for f in found if f.verdict is Verdict.FAIL]
    for f in bad:
        yield M.fail(RID, "shared.not-printed", f"{where}: {f.location}", finding=f)
    if not found or all(f.verdict is Verdict.NOT_APPLICABLE for f in found):
        yield M.fail(RID, "shared.no-number", where)
    elif not bad:
        yield M.passed(RID, "shared.printed", where, number=expected or "printed")


def _coded(got: tuple[str, str] | None, wanted: tuple[str, str], where: str, ok: str, ko: str, none: str) -> Finding:
    """A document's (code, coding scheme) is the one an ordonnance carries; `none` names a missing code."""
    code, scheme = got or ("", "")
    return M.judge(
        RID,
        (code, scheme) == wanted,
        ok,
        ko,
        where,
        code=either(code, none),
        scheme=either(scheme, "no-scheme"),
        system=wanted[1],
    )


def ordonnance_document(
    type_code: tuple[str, str] | None,
    class_code: tuple[str, str] | None,
    pdf: bytes | None,
    why: str,
    expected: str | None,
    where: str,
) -> Iterator[Finding]:
    """One shared document: (code, coding scheme) of its typeCode and classCode, and its PDF body."""
    yield _coded(
        type_code, (ORDONNANCE_TYPE, LOINC), f"{where} typeCode", "shared.typed", "shared.mistyped", "none-paren"
    )
    yield _coded(
        class_code,
        (PRESCRIPTION_CLASS, CLASS_SYSTEM),
        f"{where} classCode",
        "shared.classed",
        "shared.misclassed",
        "none-paren-f",
    )
    yield from printed_ordonnance(pdf, why, expected, where)


def _expected(ctx: CheckContext) -> str | None:
    number = ctx.extra.get("prescription_number")
    return str(number) if number else None


# -- the DMP lot --------------------------------------------------------------------------------


@check("xds-metadata", "eprescription", RID)
def check_ordonnance_fed_to_dmp(artifact: Artifact, ctx: CheckContext) -> Iterator[Finding]:
    """EP-23: the ordonnance fed to the DMP is typed 57833-6 / class 42 and is the printed ordonnance."""
    from conformance.socles.dmp.api import DE_SCHEMES, read_metadata

    expected = _expected(ctx)
    given = artifact.meta.get("documents") or ctx.extra.get("documents") or {}
    resolved = {str(k): v for k, v in given.items() if isinstance(v, bytes)} if isinstance(given, dict) else {}
    md, problem = read_metadata(artifact.data, resolved)
    if md is None:
        if expected:
            yield M.fail(RID, "shared.lot-unreadable", artifact.name, problem=problem)
        else:
            yield M.not_applicable(RID, "shared.lot-unreadable-elsewhere", artifact.name, problem=problem)
        return

    def first(entry: RegistryObject, key: str) -> tuple[str, str] | None:
        coded = entry.coded(DE_SCHEMES[key])
        return (coded[0].code, coded[0].scheme) if coded else None

    judged = 0
    for entry in md.entries:
        part = md.documents.get(entry.id)
        data = part.data if part is not None else None
        is_cda = data is not None and b"ClinicalDocument" in data[:4096]
        typed = (first(entry, "typeCode") or ("", ""))[0] == ORDONNANCE_TYPE
        if not (typed or (expected and is_cda)):
            continue  # the lot's signature, or (artifact mode) a document that is not an ordonnance
        judged += 1
        where = f"DocumentEntry {entry.id}"
        if data is None:
            why = part.problem if part is not None else "no xdsb:Document part for this entry"
            pdf, reason = None, why
        else:
            pdf, reason = pdf_of_cda(data)
        yield from ordonnance_document(
            first(entry, "typeCode"), first(entry, "classCode"), pdf, reason, expected, where
        )
    if not judged:
        if expected:
            yield M.fail(RID, "shared.lot-no-cda", artifact.name)
        else:
            yield M.not_applicable(RID, "shared.lot-no-ordonnance", artifact.name)


# -- the message to the patient ------------------------------------------------------------------


@check("email", "eprescription", RID)
def check_ordonnance_sent_to_patient(artifact: Artifact, ctx: CheckContext) -> Iterator[Finding]:
    """EP-23: the ordonnance sent by MSSanté goes to a qualified patient, typed and printed as it should."""
    from conformance.socles.mssante.api import email_view, patient_address

    expected = _expected(ctx)
    view = email_view(artifact)
    entries = [(att, s, e) for att, x in view.xdms for s, e, _ in x.cda_entries()]

    def first(entry: DocEntry, key: str) -> tuple[str, str] | None:
        coded = entry.codes.get(key) or []
        return (coded[0].code, coded[0].scheme) if coded else None

    ordonnances = [
        (a, s, e) for a, s, e in entries if expected or (first(e, "typeCode") or ("",))[0] == ORDONNANCE_TYPE
    ]
    if not expected and not ordonnances:
        yield M.not_applicable(RID, "shared.message-no-ordonnance", "message")
        return
    to = [addr for _, addr in view.addresses("To")[0]]
    patient = ctx.patient or {}
    if patient.get("ins"):
        address = patient_address(patient)
        sent_to_patient = address.lower() in {a.lower() for a in to}
        if not patient.get("qualified"):
            ok = not sent_to_patient
            yield M.judge(RID, ok, "shared.unqualified-not-sent", "shared.unqualified-sent", "To", address=address)
        elif sent_to_patient:
            yield M.passed(RID, "shared.addressed", "To", address=address)
        else:
            yield M.fail(RID, "shared.not-addressed", "To", address=address, to=to)
    if not ordonnances:
        yield M.fail(RID, "shared.message-no-cda", "message attachments")
    for att, subset, entry in ordonnances:
        where = f"{att.label} {subset.metadata_name} DocumentEntry {entry.id}"
        pdf, why = pdf_of_cda(entry.data) if entry.data is not None else (None, "CDA file not found in the archive")
        yield from ordonnance_document(first(entry, "typeCode"), first(entry, "classCode"), pdf, why, expected, where)
    if not view.pdfs:
        yield M.fail(RID, "shared.no-pdf-copy", "message attachments")
    for att in view.pdfs:
        yield from printed_ordonnance(att.data, att.problem or "undecodable attachment", expected, att.label)
