"""Test-only builders of MSSanté artifacts: CDA header, IHE_XDM zip, PDF/A-1 copy, the e-mail.

Written for the checks' tests (independent of the demo DUI's production builders): every knob a
test turns makes exactly one rule fail. Synthetic identities only (test INS OID .10, -ESSAI names).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import cache

from lxml import etree

from conformance import registry
from conformance.formats.pdf import build_pdf
from conformance.model import Artifact, CheckContext, Finding, Verdict
from conformance.socle import get_socle
from conformance.socles.mssante.checks.cache import clear_cache

HL7 = "urn:hl7-org:v3"
LCM = "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"
RIM = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"
LOINC = "2.16.840.1.113883.6.1"
OID_TEST_NIR = "1.2.250.1.213.1.4.10"

PATIENT = {
    "ins": "238047505612394",
    "ins_oid": OID_TEST_NIR,
    "birth_name": "MARTIN-ESSAI",
    "first_given": "Jeanne",
    "given_names": ["Jeanne", "Louise"],
    "birth_date": "19380412",
    "sex": "F",
}
OTHER_PATIENT = {
    "ins": "145096912304551",
    "ins_oid": OID_TEST_NIR,
    "birth_name": "LEROY-ESSAI",
    "first_given": "Marcel",
    "given_names": ["Marcel"],
    "birth_date": "19450921",
    "sex": "M",
}
SENDER = "ehpad.tilleuls@test-ci-sis.mssante.fr"
SENDER_DISPLAY = "EHPAD Les Tilleuls - Accueil"
DOCTOR = "marie.durand@test-ci-sis.mssante.fr"
NIL = "DUI-CONF-0001"


@dataclass
class Doc:
    code: str = "11490-0"
    display: str = "Lettre de liaison à la sortie d'un établissement de soins"
    code_system: str = LOINC
    effective: str = "20261120101500+0100"
    service_start: str | None = "20261120"
    confidentiality: str = "N"
    patient: dict[str, object] = field(default_factory=lambda: dict(PATIENT))
    file_name: str = "DOC0001.XML"
    with_ins: bool = True


def cda_bytes(doc: Doc) -> bytes:
    root = etree.Element(f"{{{HL7}}}ClinicalDocument", nsmap={None: HL7})

    def sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
        el = etree.SubElement(parent, f"{{{HL7}}}{tag}", **attrs)
        if text is not None:
            el.text = text
        return el

    sub(root, "typeId", root="2.16.840.1.113883.1.3", extension="POCD_HD000040")
    sub(root, "id", root="1.2.250.1.999.1.1", extension=doc.file_name)
    sub(root, "code", code=doc.code, codeSystem=doc.code_system, displayName=doc.display)
    sub(root, "title", doc.display)
    sub(root, "effectiveTime", value=doc.effective)
    sub(root, "confidentialityCode", code=doc.confidentiality, codeSystem="2.16.840.1.113883.5.25")
    role = sub(sub(root, "recordTarget"), "patientRole")
    p = doc.patient
    if doc.with_ins:
        sub(role, "id", root=str(p["ins_oid"]), extension=str(p["ins"]))
    sub(role, "id", root="1.2.250.1.999.2", extension="EHPAD-0001")
    pat = sub(role, "patient")
    name = sub(pat, "name")
    sub(name, "family", str(p["birth_name"]), qualifier="BR")
    sub(name, "given", " ".join(p["given_names"]))  # type: ignore[arg-type]
    sub(name, "given", str(p["first_given"]), qualifier="BR")
    sub(pat, "administrativeGenderCode", code=str(p["sex"]), codeSystem="2.16.840.1.113883.5.1")
    sub(pat, "birthTime", value=str(p["birth_date"]))
    if doc.service_start:
        se = sub(sub(root, "documentationOf"), "serviceEvent")
        sub(sub(se, "effectiveTime"), "low", value=doc.service_start)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def cx(patient: dict[str, object]) -> str:
    return f"{patient['ins']}^^^&{patient['ins_oid']}&ISO^NH"


def _utc(ts: str) -> str:
    dt = datetime.strptime(ts[:14], "%Y%m%d%H%M%S").replace(
        tzinfo=UTC if len(ts) <= 14 else datetime.strptime(ts[14:], "%z").tzinfo
    )
    return dt.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def metadata_xml(docs: list[tuple[Doc, bytes]], tweak: Callable[[etree._Element], None] | None = None) -> bytes:
    root = etree.Element(f"{{{LCM}}}SubmitObjectsRequest", nsmap={"lcm": LCM, "rim": RIM})
    lst = etree.SubElement(root, f"{{{RIM}}}RegistryObjectList")

    def slot(parent: etree._Element, name: str, *values: str) -> None:
        s = etree.SubElement(parent, f"{{{RIM}}}Slot", name=name)
        vl = etree.SubElement(s, f"{{{RIM}}}ValueList")
        for v in values:
            etree.SubElement(vl, f"{{{RIM}}}Value").text = v

    def classification(parent: etree._Element, scheme: str, code: str, system: str) -> None:
        c = etree.SubElement(
            parent,
            f"{{{RIM}}}Classification",
            classificationScheme=scheme,
            classifiedObject=parent.get("id", ""),
            nodeRepresentation=code,
            id=f"cl-{scheme[-6:]}",
        )
        slot(c, "codingScheme", system)

    def ext(parent: etree._Element, scheme: str, value: str) -> None:
        etree.SubElement(
            parent,
            f"{{{RIM}}}ExternalIdentifier",
            identificationScheme=scheme,
            value=value,
            registryObject=parent.get("id", ""),
            id=f"ei-{scheme[-6:]}-{parent.get('id')}",
        )

    for i, (doc, data) in enumerate(docs, start=1):
        eo = etree.SubElement(
            lst,
            f"{{{RIM}}}ExtrinsicObject",
            id=f"Document{i:02d}",
            mimeType="text/xml",
            objectType="urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1",
        )
        slot(eo, "creationTime", _utc(doc.effective))
        slot(eo, "hash", hashlib.sha1(data).hexdigest())
        slot(eo, "size", str(len(data)))
        slot(eo, "URI", doc.file_name)
        slot(eo, "languageCode", "fr-FR")
        if doc.service_start:
            slot(eo, "serviceStartTime", doc.service_start)
        classification(eo, "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983", doc.code, doc.code_system)
        classification(eo, "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a", "10", "1.2.250.1.213.1.1.4.1")
        classification(
            eo,
            "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d",
            "urn:ihe:iti:xds-sd:pdf:2008",
            "1.3.6.1.4.1.19376.1.2.3",
        )
        classification(
            eo, "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f", doc.confidentiality, "2.16.840.1.113883.5.25"
        )
        classification(eo, "urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1", "SA17", "1.2.250.1.71.4.2.4")
        classification(eo, "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead", "ESSMS", "1.2.250.1.213.1.1.4.9")
        ext(eo, "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427", cx(doc.patient))
        ext(eo, "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab", f"1.2.250.1.999.1.{i}")
    pkg = etree.SubElement(lst, f"{{{RIM}}}RegistryPackage", id="SubmissionSet01")
    slot(pkg, "submissionTime", "20261120093000")
    ext(pkg, "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446", cx(docs[0][0].patient) if docs else "")
    ext(pkg, "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8", "1.2.250.1.999.3.1")
    etree.SubElement(
        lst,
        f"{{{RIM}}}Classification",
        id="cl-ss",
        classifiedObject="SubmissionSet01",
        classificationNode="urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd",
    )
    for i in range(1, len(docs) + 1):
        a = etree.SubElement(
            lst,
            f"{{{RIM}}}Association",
            id=f"as{i}",
            sourceObject="SubmissionSet01",
            targetObject=f"Document{i:02d}",
            associationType="urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember",
        )
        slot(a, "SubmissionSetStatus", "Original")
    if tweak:
        tweak(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def xdm_zip(
    docs: Iterable[Doc] = (Doc(),),
    *,
    subset: str = "SUBSET01",
    tweak: Callable[[etree._Element], None] | None = None,
    extra: dict[str, bytes] | None = None,
    drop: Iterable[str] = (),
    cda: Callable[[Doc], bytes] = cda_bytes,
    metadata: bytes | None = None,
) -> bytes:
    docs = list(docs)
    pairs = [(d, cda(d)) for d in docs]
    entries: dict[str, bytes] = {
        "README.TXT": b"EHPAD Les Tilleuls - DUI ESSAI 1.0\r\n",
        "INDEX.HTM": b"<html><body><a href='IHE_XDM/SUBSET01/DOC0001.XML'>doc</a></body></html>",
        f"IHE_XDM/{subset}/METADATA.XML": metadata if metadata is not None else metadata_xml(pairs, tweak),
    }
    for d, data in pairs:
        entries[f"IHE_XDM/{subset}/{d.file_name}"] = data
    entries.update(extra or {})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            if name not in drop:
                zf.writestr(name, data)
    return buf.getvalue()


@cache
def pdf_bytes(part: str | None = "1", text: str = "Lettre de liaison - copie PDF (ESSAI)") -> bytes:
    """A real PDF/A-1b copy (the reference builder); `part` other than "1" rewrites the XMP identification,
    None leaves it out."""
    data = build_pdf(
        text, [text], author="ESSAI", created=datetime(2026, 11, 20, 9, 30, tzinfo=UTC), pdfa=part is not None
    )
    return data if part in (None, "1") else data.replace(b'pdfaid:part="1"', f'pdfaid:part="{part}"'.encode())


def pdf_name(doc: Doc, dossier: str | None = None) -> str:
    p = doc.patient
    base = f"{doc.service_start}_{doc.display[:40]}_{str(p['birth_name']).upper()}_{p['first_given']}"
    return f"{base}_{dossier}.pdf" if dossier else f"{base}.pdf"


def subject_for(docs: list[Doc], with_birth: bool = True) -> str:
    p = docs[0].patient
    label = docs[0].display[:40] if len(docs) == 1 else f"{len(docs)} documents"
    b = str(p["birth_date"])
    date = f" {b[6:8]}/{b[4:6]}/{b[0:4]}" if with_birth else ""
    return f"XDM/1.0/DDM+{label} {str(p['birth_name']).upper()} {p['first_given']}{date}"


Headers = dict[str, str | list[str] | None]


def build_message(
    docs: list[Doc] | None = None,
    *,
    to: Iterable[str] = (DOCTOR,),
    cc: Iterable[str] = (),
    from_addr: str = SENDER,
    from_display: str | None = SENDER_DISPLAY,
    headers: Headers | None = None,
    zip_bytes: bytes | None = None,
    zip_name: str = "IHE_XDM.zip",
    with_zip: bool = True,
    pdfs: list[tuple[str, bytes]] | None = None,
    body: str = "Bonjour,\nci-joint le document.\n",
    alternative_html: bool = False,
) -> bytes:
    """A good document message by default; `headers` overrides (None deletes, a list repeats)."""
    docs = [Doc()] if docs is None else docs
    msg = EmailMessage()
    msg["From"] = f'"{from_display}" <{from_addr}>' if from_display else from_addr
    msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Subject"] = subject_for(docs) if docs else "Message sans document"
    msg["Date"] = format_datetime(datetime(2026, 11, 20, 9, 30, tzinfo=UTC))
    msg["Message-ID"] = make_msgid(idstring="essai", domain="dui.test-ci-sis.mssante.fr")
    msg["X-MSS-NIL"] = NIL
    if docs:
        msg["X-MSS-CODECDA"] = ",".join(dict.fromkeys(d.code for d in docs))
        msg["X-MSS-INS"] = "O" if all(d.with_ins for d in docs) else "N"
    msg.set_content(body, charset="utf-8")
    if alternative_html:
        msg.add_alternative(f"<p>{body}</p>", subtype="html", charset="utf-8")
    if docs and with_zip:
        msg.add_attachment(
            zip_bytes if zip_bytes is not None else xdm_zip(docs),
            maintype="application",
            subtype="zip",
            filename=zip_name,
        )
    for name, data in pdfs if pdfs is not None else [(pdf_name(d), pdf_bytes(text=d.display)) for d in docs]:
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    repeated: list[str] = []
    for name, value in (headers or {}).items():
        del msg[name]
        if value is None:
            continue
        values = [value] if isinstance(value, str) else value
        msg[name] = values[0]
        repeated += [f"{name}: {v}" for v in values[1:]]  # the email package refuses duplicates itself
    data = msg.as_bytes()
    return ("\n".join(repeated) + "\n").encode() + data if repeated else data


def run_checks(kind: str, data: bytes, ctx: CheckContext | None = None, name: str = "artifact") -> list[Finding]:
    """Every MSSanté check of `kind` through the registry, without the level downgrade (raw verdicts)."""
    get_socle("mssante").load_checks()
    clear_cache()
    return registry.run_checks(Artifact(kind, name, data), ctx or CheckContext(), ["mssante"])


def of(findings: list[Finding], rid: str) -> list[Finding]:
    return [f for f in findings if f.requirement == rid]


def verdicts(findings: list[Finding], rid: str) -> set[Verdict]:
    return {f.verdict for f in of(findings, rid)}


def fails(findings: list[Finding], rid: str) -> list[Finding]:
    return [f for f in of(findings, rid) if f.verdict is Verdict.FAIL]


def assert_pass(findings: list[Finding], rid: str) -> None:
    got = of(findings, rid)
    assert got, f"no finding for {rid}"
    bad = [f for f in got if f.verdict in (Verdict.FAIL, Verdict.WARN)]
    assert not bad, f"{rid}: " + "; ".join(f"{f.verdict.value} {f.location}: {f.message_en}" for f in bad)
    assert Verdict.PASS in {f.verdict for f in got}, f"{rid}: no pass ({[f.message_en for f in got]})"


def assert_fail(findings: list[Finding], rid: str, *needles: str) -> Finding:
    bad = fails(findings, rid)
    assert bad, f"{rid}: expected a failure, got " + "; ".join(
        f"{f.verdict.value}: {f.message_en}" for f in of(findings, rid)
    )
    for f in bad:
        assert f.location, f"{rid}: failing finding without location: {f.message_en}"
        assert f.message_fr, f"{rid}: failing finding without French message"
    text = " | ".join(f"{f.message_en} @ {f.location}" for f in bad)
    for n in needles:
        assert n in text, f"{rid}: {n!r} not in {text!r}"
    return bad[0]
