"""The reference DUI reading its BAL: integration of IHE_XDM messages, receipts, MDNs, replies.

Integration follows the receiving rules (specs/mssante.md §2.3, LPS-MSS volet error codes): the
usager is the one of METADATA `patientId` (never the subject); each document must exist at its
URI (case differences tolerated, archiver junk ignored) with the SHA-1 and size METADATA gives;
the CDA recordTarget must carry the same INS and traits as the record. Failures are rejections
with the volet's codes: 902 unknown usager, 903 no INS, 904 INS or traits differ from the
record, 906 anything else (archive unreadable, document altered). A sender asking an MDN whose
Disposition-Notification-To equals the Return-Path gets an automatic processing MDN.
Everything read from the mailbox goes through the hardened parsers (MIME, zip, XML).
"""

from __future__ import annotations

import email.utils
import hashlib
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from conformance.demo import Refused
from conformance.drivers.base import Outcome
from conformance.formats.ins import INS_OIDS, parse_cx
from conformance.formats.mime import ParsedMessage, decode_body, parse_message
from conformance.formats.safezip import ZipRefused, read_zip
from conformance.formats.xmlsafe import XmlRefused, parse_xml
from conformance.socles.mssante.build.inputs import PATIENT_DOMAIN, BuildEnv, Patient
from conformance.socles.mssante.build.mdn import MANUAL_DISPLAYED, automatic_disposition, build_mdn
from conformance.socles.mssante.build.message import XDM_PREFIX, reply_subject, text_message
from conformance.socles.mssante.build.metadata import DE_SCHEMES, DOC_ENTRY, RIM, SS_SCHEMES, read_header
from conformance.socles.mssante.build.receipts import parse_receipts
from conformance.socles.mssante.reference.client import fetch, imap_session, mark_seen, unseen
from conformance.socles.mssante.reference.records import AUTOMATIC, PRODUCT, USER, InboxItem
from conformance.socles.mssante.reference.switches import Lapse

if TYPE_CHECKING:
    from conformance.socles.mssante.reference.part import MssantePart

MAX_PER_RECEIVE = 200
_R = {"rim": RIM}


class Rejection(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}^{reason}")
        self.code = code
        self.reason = reason


@dataclass
class Integrated:
    patient: Patient
    documents: list[dict[str, str]] = field(default_factory=list)


def _addr(value: Any) -> str:
    return email.utils.parseaddr(str(value or ""))[1].lower()


def displayed_subject(subject: str, *, hide_prefix: bool = True) -> str:
    """What the message list shows: the XDM/1.0/DDM+ routing prefix is technical (ECO.3.1.3)."""
    return subject[len(XDM_PREFIX) :] if hide_prefix and subject.startswith(XDM_PREFIX) else subject


def _slot(eo: Any, name: str) -> str | None:
    values = eo.xpath(f"rim:Slot[@name='{name}']/rim:ValueList/rim:Value/text()", namespaces=_R)
    return str(values[0]).strip() if values else None


def _external(obj: Any, scheme: str) -> str | None:
    values = obj.xpath(f"rim:ExternalIdentifier[@identificationScheme='{scheme}']/@value", namespaces=_R)
    return str(values[0]).strip() if values else None


def _xdm_archive(parsed: ParsedMessage) -> bytes | None | Rejection:
    """The IHE_XDM zip of a message: its bytes, None when there is none, a rejection when unreadable."""
    for part in parsed.parts:
        name = (part.filename or "").lower()
        if part.content_type in ("application/zip", "application/x-zip-compressed") or name.endswith(".zip"):
            body, problem = decode_body(part)
            return body if body is not None else Rejection("906", f"pièce jointe IHE_XDM illisible ({problem})")
    return None


class Receiver:
    """Reading the BAL and answering what was read, on behalf of the MSSanté part (its config, state,
    switches, audit trail and sending)."""

    def __init__(self, dui: MssantePart) -> None:
        self.dui = dui
        self.cfg, self.state = dui.config()
        self.sw = dui.sw

    # -- reading the BAL ---------------------------------------------------------------------------

    def receive(self) -> Outcome:
        steps: list[str] = []
        handled = 0
        with imap_session(self.cfg, self.sw.tls, steps=steps) as imap:
            uids = unseen(imap)[:MAX_PER_RECEIVE]
            steps.append(f"UID SEARCH UNSEEN ({len(uids)})")
            for uid in uids:
                raw = fetch(imap, uid)
                if raw is None:
                    continue
                try:
                    self.handle(raw)
                except Exception as exc:  # one hostile message must not block the mailbox for ever
                    self.dui.audit(AUTOMATIC, "error", "traitement d'un message reçu", outcome=repr(exc)[:300])
                mark_seen(imap, uid)
                handled += 1
            steps.append(f"UID FETCH BODY.PEEK[] + STORE \\Seen ({handled})")
        self.dui.audit(AUTOMATIC, "read", "; ".join(steps), outcome=f"{handled} message(s) relevé(s)")
        with self.state.lock:
            return Outcome(
                "ok",
                {
                    "integrated": list(self.state.integrated),
                    "rejected": list(self.state.rejected),
                    "receipts": list(self.state.receipts),
                    "inbox": [i.to_json() for i in self.state.inbox.values()],
                },
            )

    def handle(self, raw: bytes) -> None:
        parsed = parse_message(raw)
        msg = parsed.msg
        if msg is None:
            self.dui.audit(AUTOMATIC, "reject", "lecture du message", outcome=str(parsed.refused))
            return
        receipts = parse_receipts(msg)
        if receipts is not None:
            self.file_receipts(receipts)
            return
        message_id = str(msg.get("Message-ID") or f"<sans-id-{hashlib.sha1(raw).hexdigest()}@{self.cfg.bal.domain}>")
        subject = str(msg.get("Subject") or "")
        sender = _addr(msg.get("From"))
        from_patient = sender.endswith("@" + PATIENT_DOMAIN) and not self.sw.on(Lapse.HIDES_PATIENT_SENDER)
        item = InboxItem(
            message_id,
            subject,
            displayed_subject(subject, hide_prefix=not self.sw.on(Lapse.SHOWS_ROUTING_PREFIX)),
            sender,
            from_patient,
            "",
            "",
            raw,
        )
        if from_patient:
            ins = sender.split("@", 1)[0]
            known = self.state.base.by_ins(ins)
            item.patient_ins = ins
            item.patient_name = (
                f"{known.nom} {known.first_given}" if known else email.utils.parseaddr(str(msg.get("From")))[0]
            )
        with self.state.lock:
            self.state.inbox[message_id] = item
        archive = _xdm_archive(parsed)
        if archive is None:
            return
        error: Rejection | None = None
        try:
            if isinstance(archive, Rejection):
                raise archive
            done = self.integrate(archive, subject)
        except Rejection as exc:
            error = exc
            with self.state.lock:
                self.state.rejected.append({"message_id": message_id, "code": exc.code, "reason": exc.reason})
            self.dui.audit(
                AUTOMATIC,
                "reject",
                f"intégration IHE_XDM de {message_id}",
                message_id,
                f"{exc.code} {exc.reason}",
            )
        else:
            record = self.state.base.file(done.patient, done.documents)
            item.patient_ins = item.patient_ins or done.patient.ins
            item.patient_name = item.patient_name or f"{done.patient.nom} {done.patient.first_given}"
            with self.state.lock:
                self.state.integrated.append(
                    {
                        "message_id": message_id,
                        "patient_ins": done.patient.ins,
                        "record_id": record,
                        "documents": done.documents,
                    }
                )
            self.dui.audit(
                AUTOMATIC,
                "integrate",
                f"intégration IHE_XDM de {message_id}",
                message_id,
                f"dossier {record}",
            )
        self.automatic_mdn(msg, error)

    def file_receipts(self, receipts: list[Any]) -> None:
        for r in receipts:
            if self.sw.on(Lapse.IGNORES_RECEIPTS):
                continue
            sent = self.state.sent_for(
                message_id=r.original_message_id,
                envid=r.original_envelope_id,
                returned=r.returned,
                recipient=r.recipient,
            )
            if sent is None:
                continue
            with self.state.lock:
                self.state.receipts.append(
                    {
                        "original_message_id": sent.message_id,
                        "type": r.kind,
                        "detail": r.detail,
                        "recipient": r.recipient or "",
                    }
                )
            self.dui.audit(
                AUTOMATIC,
                "receipt",
                f"{r.report.upper()} reçu pour {sent.message_id}",
                sent.message_id,
                f"{r.kind}: {r.detail}",
            )

    # -- integration -------------------------------------------------------------------------------

    def identify(self, patient_id: str | None, subject: str) -> Patient:
        """The usager a message is about; the one place where the subject could be (wrongly) used."""
        base = self.state.base
        if self.sw.on(Lapse.IDENTIFIES_BY_SUBJECT):
            words = displayed_subject(subject).split()
            if len(words) >= 3 and words[-1].count("/") == 2:
                words = words[:-1]
            found = base.by_name(words[-2], words[-1]) if len(words) >= 2 else None
            if found is None:
                raise Rejection("902", "Identifiant de patient inconnu")
            return found
        cx = parse_cx(patient_id or "")
        if cx is None or cx.oid not in INS_OIDS:
            raise Rejection("903", "INS non présent dans le document")
        found = base.by_ins(cx.id, cx.oid)
        if found is None:
            raise Rejection("902", "Identifiant de patient inconnu")
        if not found.qualified:
            raise Rejection("904", "identité du dossier non qualifiée : rapprochement par INS impossible")
        return found

    def integrate(self, archive: bytes, subject: str) -> Integrated:
        try:
            content = read_zip(archive)
        except ZipRefused as exc:
            raise Rejection("906", f"archive IHE_XDM illisible : {exc}") from exc
        names = [n for n in content.files if n.upper().startswith("IHE_XDM/") and n.upper().endswith("/METADATA.XML")]
        if not names:
            raise Rejection("906", "archive sans IHE_XDM/<lot>/METADATA.XML")
        metadata = names[0]
        try:
            root = parse_xml(content.files[metadata])
        except XmlRefused as exc:
            raise Rejection("906", f"METADATA.XML illisible : {exc}") from exc
        entries = [eo for eo in root.iter(f"{{{RIM}}}ExtrinsicObject") if eo.get("objectType") == DOC_ENTRY]
        if not entries:
            raise Rejection("906", "METADATA.XML ne décrit aucun document")
        packages = list(root.iter(f"{{{RIM}}}RegistryPackage"))
        patient_id = next(
            (v for v in (_external(p, SS_SCHEMES["patientId"]) for p in packages) if v), None
        ) or _external(entries[0], DE_SCHEMES["patientId"])
        patient = self.identify(patient_id, subject)
        directory = metadata.rsplit("/", 1)[0]
        out = Integrated(patient)
        for eo in entries:
            uri = _slot(eo, "URI") or ""
            wanted = f"{directory}/{uri}"
            name = wanted if wanted in content.files else content.find(wanted)
            if not uri or name is None:
                raise Rejection("906", f"document {uri!r} absent de l'archive")
            data = content.files[name]
            sha1 = hashlib.sha1(data).hexdigest()
            if (_slot(eo, "hash") or "").lower() != sha1 or (_slot(eo, "size") or "") != str(len(data)):
                raise Rejection("906", f"document {uri} altéré : empreinte ou taille différente de METADATA")
            self.check_cda(data, patient, uri)
            out.documents.append({"uri": uri, "sha1": sha1})
        return out

    @staticmethod
    def check_cda(data: bytes, patient: Patient, uri: str) -> None:
        try:
            header = read_header(data)
        except XmlRefused as exc:
            raise Rejection("906", f"document {uri} illisible : {exc}") from exc
        ins = header.ins
        if ins is None:
            raise Rejection("903", "INS non présent dans le document")
        if ins != (patient.ins_oid, patient.ins):
            raise Rejection("904", "INS du document différent de l'INS du dossier")
        if header.birth_name.upper() != patient.nom or header.birth_time[:8] != patient.birth_date.strftime("%Y%m%d"):
            raise Rejection("904", "traits d'identité du document différents de ceux du dossier")

    # -- answers -----------------------------------------------------------------------------------

    def automatic_mdn(self, msg: EmailMessage, error: Rejection | None) -> None:
        """RFC 8098 §2.1: automatic only when Disposition-Notification-To equals the Return-Path."""
        dnt = _addr(msg.get("Disposition-Notification-To"))
        return_path = _addr(msg.get("Return-Path")) or _addr(msg.get("From"))
        if not dnt or dnt != return_path:
            return
        built = build_mdn(
            self.cfg.bal,
            msg,
            to=dnt,
            disposition=automatic_disposition((error.code, error.reason) if error else None),
            nil=self.cfg.nil,
            product=PRODUCT,
            env=BuildEnv.live(),
            deviations=self.sw.deviations,
            error=(error.code, error.reason) if error else None,
            whole_original=True,
        )
        try:
            self.dui.check_recipients(built.recipients)
            self.dui.transmit(built, action="mdn", author=AUTOMATIC)
        except Exception as exc:  # the inbox is read anyway; the failure is traced
            self.dui.audit(AUTOMATIC, "error", f"accusé automatique pour {msg.get('Message-ID')}", outcome=str(exc))

    def _received(self, message_id: str) -> tuple[InboxItem, EmailMessage]:
        with self.state.lock:
            item = self.state.inbox.get(message_id)
        msg = parse_message(item.raw).msg if item else None
        if item is None or msg is None:
            raise Refused(f"message {message_id} inconnu de la boîte du DUI (relever la boîte d'abord)")
        return item, msg

    def manual_mdn(self, message_id: str, disposition: str) -> Outcome:
        _, msg = self._received(message_id)
        dnt = _addr(msg.get("Disposition-Notification-To"))
        if not dnt:
            raise Refused("ce message ne demande pas d'accusé de lecture")
        self.dui.check_recipients([dnt])
        built = build_mdn(
            self.cfg.bal,
            msg,
            to=dnt,
            disposition=f"manual-action/MDN-sent-manually; {disposition}"
            if disposition != "displayed"
            else MANUAL_DISPLAYED,
            nil=self.cfg.nil,
            product=PRODUCT,
            env=BuildEnv.live(),
            deviations=self.sw.deviations,
        )
        return self.dui.transmit(built, action="mdn", author=USER)

    def reply(self, message_id: str, body: str) -> Outcome:
        _, msg = self._received(message_id)
        to = _addr(msg.get("Reply-To")) or _addr(msg.get("From"))
        self.dui.check_recipients([to])
        original_id = str(msg.get("Message-ID") or "").strip()
        references = str(msg.get("References") or "").split()
        built = text_message(
            self.cfg.bal,
            [to],
            reply_subject(str(msg.get("Subject") or "")),
            body,
            nil=self.cfg.nil,
            env=BuildEnv.live(),
            deviations=self.sw.deviations,
            in_reply_to=original_id or None,
            references=references,
        )
        return self.dui.transmit(built, action="reply", author=USER)
