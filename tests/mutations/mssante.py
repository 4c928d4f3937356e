"""MSSanté mutations: the demo's message to a professional, its IHE_XDM archive and its PDF copy.

An archive mutation that changes a file re-computes its METADATA hash and size, so that the one
defect is what is judged (a vendor's packaging code does that too); an e-mail mutation edits headers
or replaces an attachment the way a mail library would re-encode it.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from conformance.formats.ebrim import RIM

from .helpers import (
    Base,
    Kit,
    attachment,
    base,
    captured,
    email_bytes,
    first_entry,
    mutation,
    parse_email,
    xml_edit,
    zip_members,
    zip_of,
)

N = {"rim": RIM, "h": "urn:hl7-org:v3"}
METADATA = "IHE_XDM/SUBSET01/METADATA.XML"
CDA_FILE = "IHE_XDM/SUBSET01/DOC0001.XML"
EO = "//rim:ExtrinsicObject"
OTHER_INS = "279035121518989"  # a valid test NIR of another (synthetic) person


# -- bases ---------------------------------------------------------------------------------------------------------


@base("email")
def email(evidence: Path, kit: Kit) -> Base:
    e = first_entry(evidence, "message", "test_send_professional.py::test_message_headers")
    return Base("email", "message.eml", (evidence / e["path"]).read_bytes(), captured(e))


def _attachment_bytes(b: Base, suffix: str) -> tuple[bytes, str]:
    part = attachment(parse_email(b.data), suffix)
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload, part.get_filename() or ""


@base("xdm")
def xdm(evidence: Path, kit: Kit) -> Base:
    msg = kit.bases["email"]
    data, _ = _attachment_bytes(msg, ".zip")
    return Base("xdm", "IHE_XDM.zip", data, msg.at)


@base("pdf")
def pdf(evidence: Path, kit: Kit) -> Base:
    msg = kit.bases["email"]
    data, name = _attachment_bytes(msg, ".pdf")
    return Base("pdf", name, data, msg.at)


# -- editing --------------------------------------------------------------------------------------------------------

Edit = Callable[[etree._Element], None]


def _entry_for(meta: etree._Element, member: str) -> etree._Element:
    uri = member.rsplit("/", 1)[-1]
    for eo in meta.iterfind(f".//{{{RIM}}}ExtrinsicObject"):
        values = eo.xpath("rim:Slot[@name='URI']/rim:ValueList/rim:Value", namespaces=N)
        if values and values[0].text == uri:
            return eo
    raise LookupError(member)


def _set_slot(eo: etree._Element, name: str, value: str) -> None:
    eo.xpath(f"rim:Slot[@name='{name}']/rim:ValueList/rim:Value", namespaces=N)[0].text = value


def archive(
    data: bytes,
    *,
    metadata: Edit | None = None,
    member: tuple[str, bytes] | None = None,
    rename: tuple[str, str] | None = None,
    drop: str | None = None,
    refresh: bool = True,
) -> bytes:
    """The archive with METADATA edited, a file replaced (its hash and size refreshed in METADATA unless
    `refresh` is False), renamed (its URI follows) or dropped."""
    members = dict(zip_members(data))
    meta = etree.fromstring(members[METADATA])
    if member is not None:
        name, payload = member
        members[name] = payload
        if refresh:
            eo = _entry_for(meta, name)
            _set_slot(eo, "hash", hashlib.sha1(payload).hexdigest())
            _set_slot(eo, "size", str(len(payload)))
    if rename is not None:
        old, new = rename
        _set_slot(_entry_for(meta, old), "URI", new.rsplit("/", 1)[-1])
        members = {(new if k == old else k): v for k, v in members.items()}
    if drop is not None:
        members.pop(drop)
    if metadata is not None:
        metadata(meta)
    members[METADATA] = etree.tostring(meta, xml_declaration=True, encoding="UTF-8")
    return zip_of(list(members.items()))


def cda_of(data: bytes) -> bytes:
    return dict(zip_members(data))[CDA_FILE]


def in_email(b: Base, kit: Kit, zip_bytes: bytes) -> Base:
    """The message with its IHE_XDM.zip replaced (base64, as a mail library writes it)."""
    msg = parse_email(b.data)
    part = attachment(msg, ".zip")
    part.set_payload(base64.encodebytes(zip_bytes).decode("ascii"))
    return b.with_data(email_bytes(msg))


def header(name: str, value: str | None) -> Callable[[Base, Kit], Base]:
    def make(b: Base, kit: Kit) -> Base:
        msg = parse_email(b.data)
        del msg[name]
        if value is not None:
            msg[name] = value
        return b.with_data(email_bytes(msg))

    return make


def set_attr(path: str, attr: str, value: str) -> Edit:
    def edit(root: etree._Element) -> None:
        root.xpath(path, namespaces=N)[0].set(attr, value)

    return edit


def set_value(path: str, value: str) -> Edit:
    def edit(root: etree._Element) -> None:
        root.xpath(path, namespaces=N)[0].text = value

    return edit


def remove(path: str) -> Edit:
    def edit(root: etree._Element) -> None:
        for el in root.xpath(path, namespaces=N):
            el.getparent().remove(el)

    return edit


def other_patient(cda: bytes) -> bytes:
    return xml_edit(cda, set_attr("h:recordTarget/h:patientRole/h:id[1]", "extension", OTHER_INS))


def register_xdm(rid: str, name: str, description: str, **edit: object) -> None:
    mutation("xdm", rid, name, description)(lambda b, kit: b.with_data(archive(b.data, **edit)))  # type: ignore[arg-type]


# -- the message (MSS-MSG, MSS-DOC) --------------------------------------------------------------------------------

mutation("email", "MSS-MSG-01", "mail-no-date", "no Date header (the DUI relies on the relay to add it)")(
    header("Date", None)
)
mutation("email", "MSS-MSG-01", "mail-no-message-id", "no Message-ID header")(header("Message-ID", None))
mutation("email", "MSS-MSG-05", "mail-bare-from", "From: without display name")(
    header("From", "dui-app@ehpad-essai.mssante.fr")
)
mutation("email", "MSS-MSG-06", "mail-no-nil", "no X-MSS-NIL header")(header("X-MSS-NIL", None))
mutation("email", "MSS-DOC-04", "mail-subject-no-prefix", "subject without the XDM/1.0/DDM+ prefix")(
    header("Subject", "CR ou fiche de consultation ou de visite MARTIN-ESSAI Jeanne 12/04/1938")
)
mutation("email", "MSS-DOC-05", "mail-no-codecda", "no X-MSS-CODECDA header")(header("X-MSS-CODECDA", None))
mutation("email", "MSS-DOC-05", "mail-codecda-class", "X-MSS-CODECDA carries the XDS classCode, not the CDA code")(
    header("X-MSS-CODECDA", "11")
)
mutation("email", "MSS-DOC-06", "mail-x-mss-ins-yes", "X-MSS-INS: Y instead of O")(header("X-MSS-INS", "Y"))


def text_body(content: str, **how: str) -> Callable[[Base, Kit], Base]:
    """The message with its text/plain body replaced (`how`: charset or subtype for set_content)."""

    def make(b: Base, kit: Kit) -> Base:
        msg = parse_email(b.data)
        for part in msg.walk():
            if part.get_content_type() == "text/plain":
                part.set_content(content, **how)
        return b.with_data(email_bytes(msg))

    return make


mutation("email", "MSS-MSG-03", "mail-latin1-body", "the text body declared and encoded in ISO-8859-1")(
    text_body("Bonjour,\nVeuillez trouver ci-joint le document de liaison.\n", charset="iso-8859-1")
)
mutation("email", "MSS-MSG-04", "mail-html-only", "an HTML body without a text/plain alternative")(
    text_body("<p>Bonjour,</p><p>Veuillez trouver ci-joint le document.</p>", subtype="html")
)


@mutation("email", "MSS-DOC-02", "mail-zip-renamed", "the archive attached as archive.zip")
def mail_zip_renamed(b: Base, kit: Kit) -> Base:
    msg = parse_email(b.data)
    part = attachment(msg, ".zip")
    part.replace_header("Content-Disposition", 'attachment; filename="archive.zip"')
    return b.with_data(email_bytes(msg))


@mutation("email", "MSS-DOC-03", "mail-pdf-name-date", "the PDF copy named with the sending date, not the act's")
def mail_pdf_name(b: Base, kit: Kit) -> Base:
    msg = parse_email(b.data)
    part = attachment(msg, ".pdf")
    name = part.get_filename() or ""
    part.replace_header("Content-Disposition", f'attachment; filename="19990101{name[8:]}"')
    return b.with_data(email_bytes(msg))


@mutation("email", "MSS-DOC-03", "mail-pdf-not-pdfa", "the PDF copy declares no PDF/A part (XMP stripped)")
def mail_pdf_not_pdfa(b: Base, kit: Kit) -> Base:
    msg = parse_email(b.data)
    part = attachment(msg, ".pdf")
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    part.set_payload(base64.encodebytes(strip_pdfa(payload)).decode("ascii"))
    return b.with_data(email_bytes(msg))


@mutation(
    "email", "MSS-XDM-04", "mail-archive-other-patient", "the archive's CDA names another patient than its metadata"
)
def mail_archive_other(b: Base, kit: Kit) -> Base:
    data = kit.bases["xdm"].data
    return in_email(b, kit, archive(data, member=(CDA_FILE, other_patient(cda_of(data)))))


def strip_pdfa(pdf: bytes) -> bytes:
    """The same PDF with its pdfaid declaration renamed (same length: offsets stay right)."""
    return pdf.replace(b"pdfaid:part", b"pdfxid:part").replace(b"pdfaid:conformance", b"pdfxid:conformance")


# -- the archive (MSS-XDM) -----------------------------------------------------------------------------------------

register_xdm("MSS-XDM-01", "xdm-no-readme", "no README.TXT at the root", drop="README.TXT")
register_xdm("MSS-XDM-01", "xdm-no-index", "no INDEX.HTM at the root", drop="INDEX.HTM")
register_xdm(
    "MSS-XDM-01",
    "xdm-long-name",
    "the CDA stored under a long mixed-case name (not ISO 9660 8.3)",
    rename=(CDA_FILE, "IHE_XDM/SUBSET01/LettreLiaison.xml"),
)
register_xdm(
    "MSS-XDM-02",
    "xdm-no-has-member",
    "METADATA without HasMember associations",
    metadata=remove("//rim:Association"),
)
register_xdm(
    "MSS-XDM-03",
    "xdm-size-wrong",
    "size of the CDA file off by one",
    metadata=lambda m: _set_slot(
        m.xpath(EO, namespaces=N)[0],
        "size",
        str(int(m.xpath(f"{EO}/rim:Slot[@name='size']/rim:ValueList/rim:Value", namespaces=N)[0].text) + 1),
    ),
)
register_xdm(
    "MSS-XDM-03",
    "xdm-hash-uppercase",
    "hash in upper-case hex",
    metadata=lambda m: _set_slot(
        m.xpath(EO, namespaces=N)[0],
        "hash",
        (m.xpath(f"{EO}/rim:Slot[@name='hash']/rim:ValueList/rim:Value", namespaces=N)[0].text or "").upper(),
    ),
)
register_xdm(
    "MSS-XDM-03",
    "xdm-uri-case",
    "METADATA URI in lower case while the file is stored upper case",
    metadata=lambda m: _set_slot(m.xpath(EO, namespaces=N)[0], "URI", "doc0001.xml"),
)
register_xdm(
    "MSS-XDM-04",
    "xdm-patient-id-key",
    "DocumentEntry patientId with a wrong NIR key",
    metadata=lambda m: [
        ei.set("value", ei.get("value", "").replace(ei.get("value", "")[13:15], "00", 1))
        for ei in m.xpath(
            "//rim:ExternalIdentifier[@identificationScheme='urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427']",
            namespaces=N,
        )
    ],
)
register_xdm(
    "MSS-XDM-05",
    "xdm-type-code",
    "typeCode of the DocumentEntry differs from the CDA code",
    metadata=set_attr(
        "//rim:Classification[@classificationScheme='urn:uuid:f0306f51-975f-434e-a61c-c59651d33983']",
        "nodeRepresentation",
        "11506-3",
    ),
)
register_xdm(
    "MSS-XDM-05",
    "xdm-creation-time",
    "creationTime in local time, not the CDA effectiveTime in UTC",
    metadata=lambda m: _set_slot(m.xpath(EO, namespaces=N)[0], "creationTime", "20200101120000"),
)
register_xdm(
    "MSS-XDM-07",
    "xdm-mime-pdf",
    "the CDA declared application/pdf",
    metadata=set_attr(EO, "mimeType", "application/pdf"),
)


@mutation(
    "xdm",
    "MSS-XDM-04",
    "xdm-cda-behind-comment",
    "the CDA, behind a 70 KB leading comment, names another patient (issue 12)",
)
def xdm_hidden_cda(b: Base, kit: Kit) -> Base:
    cda = other_patient(cda_of(b.data))
    declaration, _, rest = cda.partition(b"?>")
    hidden = declaration + b"?>\n<!--" + b" generated by the export module " * 2200 + b"-->\n" + rest
    return b.with_data(archive(b.data, member=(CDA_FILE, hidden)))


@mutation("xdm", "MSS-XDM-07", "xdm-html-as-cda", "an HTML rendering stored as the CDA (text/xml)")
def xdm_html(b: Base, kit: Kit) -> Base:
    html = b"<!DOCTYPE html>\n<html><head><title>Lettre</title></head><body><p>Lettre de liaison</p></body></html>"
    return b.with_data(archive(b.data, member=(CDA_FILE, html)))


@mutation("xdm", "DMP-I02", "xdm-cda-nir-key", "the archive's CDA carries an INS with a wrong key (the metadata too)")
def xdm_cda_key(b: Base, kit: Kit) -> Base:
    bad = "238047505612349"
    cda = xml_edit(cda_of(b.data), set_attr("h:recordTarget/h:patientRole/h:id[1]", "extension", bad))

    def meta(m: etree._Element) -> None:
        for ei in m.xpath("//rim:ExternalIdentifier[contains(@value, '238047505612394')]", namespaces=N):
            ei.set("value", ei.get("value", "").replace("238047505612394", bad))

    return b.with_data(archive(b.data, member=(CDA_FILE, cda), metadata=meta))


# -- the PDF copy alone (MSS-DOC-03: PDF/A declaration) ----------------------------------------------------------


mutation("pdf", "MSS-DOC-03", "pdf-not-pdfa", "a PDF copy without pdfaid declaration")(
    lambda b, kit: b.with_data(strip_pdfa(b.data))
)
mutation("pdf", "MSS-DOC-03", "pdf-truncated", "a PDF copy cut short (upload interrupted)")(
    lambda b, kit: b.with_data(b.data[: len(b.data) // 3])
)
