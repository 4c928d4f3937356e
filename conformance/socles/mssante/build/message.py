"""The RFC 5322 message an MSSanté client submits (Ref#2 §3, specs/mssante.md §2).

A message carrying documents concerns one usager and holds a UTF-8 text/plain body, the
IHE_XDM.zip archive and one PDF/A-1 copy per CDA, named `<AAAAMMJJ>_<type≤40>_<NOM>_<prénom>_<dossier>.pdf`.
Its subject is `XDM/1.0/DDM+<libellé> <NOM> <prénom> <JJ/MM/AAAA>` and it carries the MSSanté
headers X-MSS-NIL (every message), X-MSS-CODECDA and X-MSS-INS (messages with CDA), X-MSS-MES: FIN
(to usager addresses when the professional blocks the reply) and, when a read receipt is asked,
Disposition-Notification-To with the sender's own BAL. Everything shown about the documents is
read from their CDA headers.
"""

from __future__ import annotations

import email.policy
import email.utils
import re
from dataclasses import dataclass, field
from email.headerregistry import Address, BaseHeader, HeaderRegistry
from email.message import EmailMessage
from typing import Any

from conformance.socles.mssante.addresses import is_patient_address

from .documents import BuiltDocument
from .inputs import Bal, BuildEnv, Deviations, Organisation, Patient
from .metadata import CLASS_BY_TYPE, CLASS_COMPTE_RENDU
from .xdm import build_xdm

XDM_PREFIX = "XDM/1.0/DDM+"
XDM_ATTACHMENT = "IHE_XDM.zip"


class _HeaderClasses(HeaderRegistry):
    """The stdlib registry builds a new header class on every header set; one per name is enough."""

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        if key not in self._classes:
            self._classes[key] = super().__getitem__(name)
        return self._classes[key]


POLICY = email.policy.default.clone(header_factory=_HeaderClasses())
WIRE = POLICY.clone(linesep="\r\n")  # SMTP line ends, as email.policy.SMTP
_FORBIDDEN = re.compile(r'[/\\:*?"<>|\x00-\x1f]')


@dataclass
class BuiltMessage:
    msg: EmailMessage
    message_id: str  # the id the sender knows the message by (written unless a defect drops it)
    recipients: list[str] = field(default_factory=list)

    @property
    def data(self) -> bytes:
        """Wire form: CRLF line ends, folded headers (what goes after SMTP DATA)."""
        return self.msg.as_bytes(policy=WIRE)


def _label(display: str) -> str:
    return display[:40].rstrip()


def _fr_date(hl7: str) -> str:
    return f"{hl7[6:8]}/{hl7[4:6]}/{hl7[0:4]}" if len(hl7) >= 8 and hl7[:8].isdigit() else ""


def documents_subject(docs: list[BuiltDocument], subject_person: Patient | None = None) -> str:
    """`<libellé> <NOM> <prénom> <JJ/MM/AAAA>` (without the XDM prefix), from the first CDA's usager."""
    h = docs[0].header
    label = _label(h.code.display) if len(docs) == 1 else f"{len(docs)} documents"
    if subject_person is not None:
        who = f"{subject_person.nom} {subject_person.first_given} {subject_person.birth_date_fr}"
    else:
        who = f"{h.birth_name.upper()} {h.first_given} {_fr_date(h.birth_time)}".rstrip()
    return f"{label} {who}"


def pdf_file_name(doc: BuiltDocument) -> str:
    """ECO.2.1.6; characters a file name cannot hold become '_' (as the checks normalise them)."""
    h = doc.header
    fields = [h.service_start[:8], _label(h.code.display), h.birth_name.upper(), h.first_given]
    if doc.patient.record_id:
        fields.append(doc.patient.record_id.replace("_", "-"))
    return "_".join(_FORBIDDEN.sub("_", f) for f in fields) + ".pdf"


def _start(sender: Bal, to: list[str], subject: str, *, nil: str, env: BuildEnv, dev: Deviations) -> BuiltMessage:
    msg = EmailMessage(policy=POLICY)
    message_id = env.message_id(sender.domain)
    if dev.from_display_name:
        msg["From"] = Address(display_name=sender.display_name, addr_spec=sender.address)
    else:
        msg["From"] = sender.address
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Date"] = email.utils.format_datetime(env.now)
    if dev.message_id:
        msg["Message-ID"] = message_id
    msg["MIME-Version"] = "1.0"
    if dev.nil_header:
        msg["X-MSS-NIL"] = nil
    return BuiltMessage(msg, message_id, list(to))


def _body(built: BuiltMessage, body: str, dev: Deviations) -> None:
    charset = dev.text_charset
    built.msg.set_content(
        body.encode(charset, "replace").decode(charset),
        subtype="plain",
        charset=charset,
        cte="quoted-printable",
    )


def documents_message(
    sender: Bal,
    to: list[str],
    docs: list[BuiltDocument],
    *,
    org: Organisation,
    body: str,
    nil: str,
    block_reply: bool = False,
    read_receipt: bool = False,
    env: BuildEnv,
    deviations: Deviations,
    subject_person: Patient | None = None,
) -> BuiltMessage:
    """A message transmitting `docs` (CDA N1 + PDF) of one usager."""
    dev = deviations
    subject = (XDM_PREFIX if dev.subject_prefix else "") + documents_subject(docs, subject_person)
    built = _start(sender, to, subject, nil=nil, env=env, dev=dev)
    msg = built.msg
    codes = [d.header.code.code for d in docs]
    if not dev.codecda_from_cda:  # the XDS classCode written where the CDA type code belongs
        codes = [CLASS_BY_TYPE.get(c, CLASS_COMPTE_RENDU).code for c in codes]
    msg["X-MSS-CODECDA"] = ",".join(codes)
    to_usager = any(is_patient_address(a) for a in to)
    if dev.x_mss_ins_to_professionals or to_usager:
        msg["X-MSS-INS"] = "O" if all(d.header.qualified_ins for d in docs) else "N"
    if block_reply and to_usager:
        msg["X-MSS-MES"] = dev.mes_value
    if read_receipt and dev.read_receipt_header:
        msg["Disposition-Notification-To"] = sender.address
    _body(built, body, dev)
    attach(built, build_xdm(docs, sender=sender, org=org, env=env, deviations=dev), "zip", XDM_ATTACHMENT, env)
    for doc in docs if dev.pdf_copy_per_document else docs[:1]:
        attach(built, doc.pdf, "pdf", pdf_file_name(doc), env)
    return built


def mixed(built: BuiltMessage, env: BuildEnv, subtype: str = "mixed") -> None:
    """Turn the single-part message into multipart/<subtype> with a reproducible boundary."""
    msg = built.msg
    if not msg.is_multipart():
        msg.make_mixed()
        if subtype != "mixed":
            msg.set_type(f"multipart/{subtype}")
        msg.set_boundary(f"=_{env.uuid().hex}")


def body_part(content: Any = None, **kwargs: Any) -> EmailMessage:
    """A body part: `set_content(content, **kwargs)` when given, without a MIME-Version of its own."""
    part = EmailMessage(policy=POLICY)
    if content is not None:
        part.set_content(content, **kwargs)
        del part["MIME-Version"]
    return part


def attach(built: BuiltMessage, data: bytes, subtype: str, filename: str, env: BuildEnv) -> None:
    """An application/<subtype> attachment, base64."""
    mixed(built, env)
    built.msg.attach(
        body_part(data, maintype="application", subtype=subtype, filename=filename, disposition="attachment")
    )


def text_message(
    sender: Bal,
    to: list[str],
    subject: str,
    body: str,
    *,
    nil: str,
    env: BuildEnv,
    deviations: Deviations,
    in_reply_to: str | None = None,
    references: list[str] | None = None,
    extra: dict[str, str] | None = None,
) -> BuiltMessage:
    """A plain message (a reply, a usager's message): no document, so no X-MSS-CODECDA/X-MSS-INS."""
    built = _start(sender, to, subject, nil=nil, env=env, dev=deviations)
    if in_reply_to:
        built.msg["In-Reply-To"] = in_reply_to
        if deviations.references:
            built.msg["References"] = " ".join([*(references or []), in_reply_to])
    for name, value in (extra or {}).items():
        built.msg[name] = value
    _body(built, body, deviations)
    return built


def reply_subject(subject: str) -> str:
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"
