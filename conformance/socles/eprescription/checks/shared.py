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
from conformance.model import Artifact, CheckContext, Finding, Verdict, failed, judge, not_applicable, passed
from conformance.registry import check
from conformance.socles.eprescription.checks.ordonnance import ordonnance_findings, read_printed

if TYPE_CHECKING:  # imported when used: the other socles' parsers are loaded only for their artifacts
    from conformance.socles.dmp.api import RegistryObject
    from conformance.socles.mssante.api import DocEntry

RID = "EP-23"
LOINC = "2.16.840.1.113883.6.1"
CLASS_SYSTEM = "1.2.250.1.213.1.1.4.1"  # TRE_A03 ClasseDocument (JDV_J57 for the DMP, J06 for XDM)
ORDONNANCE_TYPE = "57833-6"  # Prescription de produits de santé
PRESCRIPTION_CLASS = "42"  # Prescription
HL7 = "urn:hl7-org:v3"
PATIENT_DOMAIN = "patient.mssante.fr"


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
        yield failed(RID, f"no PDF of the ordonnance: {why}", f"aucun PDF de l'ordonnance : {why}", where)
        return
    found = [f for f in ordonnance_findings(read_printed(pdf), expected) if f.requirement == "EP-25"]
    bad = [f for f in found if f.verdict is Verdict.FAIL]
    for f in bad:
        yield failed(
            RID,
            f"the PDF shared is not the printed ordonnance: {f.message_en}",
            f"le PDF partagé n'est pas l'ordonnance imprimée : {f.message_fr}",
            f"{where}: {f.location}",
        )
    if not found or all(f.verdict is Verdict.NOT_APPLICABLE for f in found):
        yield failed(
            RID,
            "the PDF shared shows no prescription number (neither QR code nor in clear)",
            "le PDF partagé ne porte aucun numéro de prescription (ni QR code ni en clair)",
            where,
        )
    elif not bad:
        number = expected or "printed"
        yield passed(
            RID,
            f"the PDF shared is the printed ordonnance (QR code and number {number})",
            f"le PDF partagé est l'ordonnance imprimée (QR code et numéro {number})",
            where,
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
    tc = type_code or ("", "")
    yield judge(
        RID,
        tc == (ORDONNANCE_TYPE, LOINC),
        "typeCode 57833-6 (LOINC) « Prescription de produits de santé »",
        "typeCode 57833-6 (LOINC) « Prescription de produits de santé »",
        f"the ordonnance is typed {tc[0] or '(none)'} ({tc[1] or 'no scheme'}), not 57833-6 (LOINC "
        f"{LOINC}, JDV_J07 « Prescription de produits de santé »)",
        f"l'ordonnance est typée {tc[0] or '(aucun)'} ({tc[1] or 'sans système'}) et non 57833-6 (LOINC, "
        "JDV_J07 « Prescription de produits de santé »)",
        f"{where} typeCode",
    )
    cc = class_code or ("", "")
    yield judge(
        RID,
        cc == (PRESCRIPTION_CLASS, CLASS_SYSTEM),
        "classCode 42 « Prescription »",
        "classCode 42 « Prescription »",
        f"the ordonnance's classCode is {cc[0] or '(none)'} ({cc[1] or 'no scheme'}), not 42 "
        f"« Prescription » ({CLASS_SYSTEM})",
        f"la classCode de l'ordonnance est {cc[0] or '(aucune)'} ({cc[1] or 'sans système'}) et non 42 "
        "« Prescription »",
        f"{where} classCode",
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
            yield failed(RID, f"the DMP lot is unreadable: {problem}", f"lot DMP illisible : {problem}", artifact.name)
        else:
            yield not_applicable(
                RID,
                f"unreadable lot (judged by the DMP rules): {problem}",
                "lot illisible (jugé par les règles DMP)",
                artifact.name,
            )
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
            yield failed(
                RID,
                "the lot fed to the DMP carries no CDA document: the ordonnance is not in it",
                "le lot versé au DMP ne porte aucun document CDA : l'ordonnance n'y est pas",
                artifact.name,
            )
        else:
            yield not_applicable(
                RID,
                "no ordonnance (typeCode 57833-6) in this lot",
                "aucune ordonnance (typeCode 57833-6) dans ce lot",
                artifact.name,
            )


# -- the message to the patient ------------------------------------------------------------------


@check("email", "eprescription", RID)
def check_ordonnance_sent_to_patient(artifact: Artifact, ctx: CheckContext) -> Iterator[Finding]:
    """EP-23: the ordonnance sent by MSSanté goes to a qualified patient, typed and printed as it should."""
    from conformance.socles.mssante.api import email_view

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
        yield not_applicable(
            RID,
            "no ordonnance (typeCode 57833-6) in this message",
            "aucune ordonnance (typeCode 57833-6) dans ce message",
            "message",
        )
        return
    to = [addr for _, addr in view.addresses("To")[0]]
    patient = ctx.patient or {}
    if patient.get("ins"):
        address = f"{patient['ins']}@{PATIENT_DOMAIN}"
        sent_to_patient = address.lower() in {a.lower() for a in to}
        if not patient.get("qualified"):
            yield judge(
                RID,
                not sent_to_patient,
                "not sent to the patient's address (INS not qualified)",
                "non envoyé à l'adresse du patient (INS non qualifiée)",
                f"the ordonnance is sent to {address}, the MSSanté address of a patient whose INS is not "
                "qualified (RNIV: no usager address without a qualified INS)",
                f"l'ordonnance est envoyée à {address}, adresse MSSanté d'un patient dont l'INS n'est pas "
                "qualifiée (RNIV : pas d'adresse usager sans INS qualifiée)",
                "To",
            )
        else:
            yield judge(
                RID,
                sent_to_patient,
                f"addressed to the patient's MSSanté address {address}",
                f"adressée à l'adresse MSSanté du patient {address}",
                f"the ordonnance is not addressed to the patient's MSSanté address {address} (To: {to})",
                f"l'ordonnance n'est pas adressée à l'adresse MSSanté du patient {address}",
                "To",
            )
    if not ordonnances:
        yield failed(
            RID,
            "the message carries no CDA document in an IHE_XDM archive: the ordonnance is not in it",
            "le message ne porte aucun document CDA dans une archive IHE_XDM : l'ordonnance n'y est pas",
            "message attachments",
        )
    for att, subset, entry in ordonnances:
        where = f"{att.label} {subset.metadata_name} DocumentEntry {entry.id}"
        pdf, why = pdf_of_cda(entry.data) if entry.data is not None else (None, "CDA file not found in the archive")
        yield from ordonnance_document(first(entry, "typeCode"), first(entry, "classCode"), pdf, why, expected, where)
    if not view.pdfs:
        yield failed(
            RID,
            "no PDF copy of the ordonnance in the message: the patient cannot read it",
            "aucune copie PDF de l'ordonnance dans le message : le patient ne peut pas la lire",
            "message attachments",
        )
    for att in view.pdfs:
        yield from printed_ordonnance(att.data, att.problem or "undecodable attachment", expected, att.label)
