"""A sent e-mail read once: MIME tree, decoded attachments, the XDM archives and PDFs it carries.

Every e-mail rule works from this view, which is cached per message digest so that the dozen
registered checks parse the message, unzip the archive and open the PDFs only once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.formats.mime import ParsedMessage, Part, decode_body, header_addresses, header_values, parse_message
from conformance.model import Artifact, CheckContext

from .cache import cached
from .cdaview import CdaView
from .pdfview import PdfView, parse_pdf
from .xdmview import DocEntry, Subset, XdmView, parse_xdm

ZIP_TYPES = ("application/zip", "application/x-zip-compressed", "application/x-zip")
XDM_SUBJECT_PREFIX = "XDM/1.0/DDM+"


@dataclass
class Attachment:
    part: Part
    data: bytes | None
    problem: str | None  # why the bytes could not be decoded

    @property
    def name(self) -> str:
        return self.part.filename or ""

    @property
    def label(self) -> str:
        """Short place used as a container in locations: "part 2 IHE_XDM.zip"."""
        where = f"part {self.part.path}" if self.part.path else "message body"
        return f"{where} {self.name}".strip()


@dataclass
class EmailView:
    parsed: ParsedMessage
    zips: list[Attachment] = field(default_factory=list)
    pdfs: list[Attachment] = field(default_factory=list)
    xdms: list[tuple[Attachment, XdmView]] = field(default_factory=list)
    pdf_views: list[tuple[Attachment, PdfView]] = field(default_factory=list)
    _addresses: dict[str, tuple[list[tuple[str, str]], list[str]]] = field(default_factory=dict)

    def addresses(self, name: str) -> tuple[list[tuple[str, str]], list[str]]:
        """Parsed address header (cached: several rules read From and To)."""
        if name not in self._addresses:
            msg = self.parsed.msg
            self._addresses[name] = header_addresses(msg, name) if msg is not None else ([], [])
        return self._addresses[name]

    def headers(self, name: str) -> list[str]:
        msg = self.parsed.msg
        return header_values(msg, name) if msg is not None else []

    def header(self, name: str) -> str | None:
        values = self.headers(name)
        return values[0].strip() if values else None

    def cdas(self) -> list[tuple[XdmView, Subset, DocEntry, CdaView]]:
        return [(x, s, e, c) for _, x in self.xdms for s, e, c in x.cda_entries()]

    @property
    def is_report(self) -> bool:
        """A DSN or MDN: it quotes the original subject but transmits no document itself."""
        return bool(self.parsed.parts) and self.parsed.parts[0].content_type == "multipart/report"

    def carries_documents(self) -> bool:
        """Signs that the message is meant to transmit health documents."""
        if self.zips or self.pdfs:
            return True
        if self.is_report:
            return False
        subject = self.header("Subject") or ""
        return subject.startswith(XDM_SUBJECT_PREFIX) or bool(self.headers("X-MSS-CODECDA"))

    def documents_expected(self, ctx: CheckContext) -> bool:
        """The scenario said documents are sent (ctx.extra['expect_documents']; by default when it
        names a patient, except for reports), or the message itself shows it."""
        expected = ctx.extra.get("expect_documents", ctx.patient is not None and not self.is_report)
        return bool(expected) or self.carries_documents()


def is_zip(part: Part) -> bool:
    name = (part.filename or "").lower()
    return part.content_type in ZIP_TYPES or name.endswith(".zip")


def is_pdf(part: Part) -> bool:
    return part.content_type == "application/pdf" or (part.filename or "").lower().endswith(".pdf")


def build_view(data: bytes) -> EmailView:
    view = EmailView(parse_message(data))
    for part in view.parsed.parts:
        if part.is_multipart or part.content_type.startswith("message/"):
            continue
        if is_zip(part) or is_pdf(part):
            body, problem = decode_body(part)
            att = Attachment(part, body, problem)
            if is_zip(part):
                view.zips.append(att)
                if body is not None:
                    view.xdms.append((att, parse_xdm(body, att.label)))
            else:
                view.pdfs.append(att)
                if body is not None:
                    view.pdf_views.append((att, parse_pdf(body)))
    return view


def email_view(art: Artifact) -> EmailView:
    return cached("email", art.sha256, lambda: build_view(art.data))
