"""The MSSanté part of the reference DUI: an MSSanté client an EHPAD could run, minus the screens.

It sends its residents' documents (CDA N1 + PDF/A copies in IHE_XDM.zip) from the establishment's
applicative BAL, reads that BAL by IMAP, files received documents into the right record from
METADATA patientId, answers read-receipt requests, correlates receipts with what it sent and
traces every operation. It refuses what the rules forbid: an usager address without qualified
INS, an usager who opposed MSSanté sending, a document masked to the patient, a recipient outside
the liste blanche, a message larger than the operator allows.

With a seeded defect (a row of `defects.DEFECTS`) exactly one of these behaviours goes wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from conformance.demo import Refused, Verb, exchange_timeout, internal_error
from conformance.drivers.base import Outcome
from conformance.socle import Defect
from conformance.socles.mssante.build.documents import build_document
from conformance.socles.mssante.build.inputs import (
    EHPAD,
    EHPAD_DOCTOR,
    BuildEnv,
    DocumentRequest,
    Patient,
)
from conformance.socles.mssante.build.message import BuiltMessage, documents_message
from conformance.socles.mssante.reference.client import MssConfig, OperatorUnreachable, TransportError, submit
from conformance.socles.mssante.reference.receiving import Receiver
from conformance.socles.mssante.reference.records import USER, DuiState, SentRecord
from conformance.socles.mssante.reference.switches import Lapse, Switches


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip().lower()


class MssantePart:
    """Verbs `mssante.send_documents`, `mssante.reply`, `mssante.send_mdn`, `mssante.receive`, `dui.audit_trail`."""

    def __init__(self, defect: Defect | None = None) -> None:
        self.sw = Switches.of(defect)
        self.cfg: MssConfig | None = None
        self.state: DuiState | None = None
        self.verbs: Mapping[str, Verb] = {
            "mssante.send_documents": self._verb("mssante.send_documents", self.send_documents),
            "mssante.reply": self._verb("mssante.reply", self.reply),
            "mssante.receive": self._verb("mssante.receive", self.receive),
            "mssante.send_mdn": self._verb("mssante.send_mdn", self.send_mdn),
            "dui.audit_trail": self._verb("dui.audit_trail", self.audit_trail),
        }

    def configure(self, settings: dict[str, Any]) -> None:
        self.cfg = MssConfig.from_settings(settings)
        self.state = DuiState(self.cfg.bal.address, self.cfg.patients)

    def _verb(self, verb: str, fn: Callable[[dict[str, Any]], Outcome]) -> Verb:
        return lambda params, timeout: self.run(verb, fn, params, timeout)

    def run(
        self, verb: str, fn: Callable[[dict[str, Any]], Outcome], params: dict[str, Any], timeout: float
    ) -> Outcome:
        """One verb: refusals and transport failures are traced answers, never exceptions."""
        if self.cfg is None or self.state is None:
            return Outcome("error", detail="le DUI n'est pas configuré pour MSSanté")
        self.cfg.timeout = exchange_timeout(timeout)
        try:
            return fn(dict(params))
        except Refused as exc:
            self.audit(USER, "refuse", "aucune (refus avant connexion)", outcome=str(exc))
            return Outcome("refused", detail=str(exc))
        except TransportError as exc:
            self.audit(USER, "error", verb, outcome=str(exc))
            return Outcome("error", detail=str(exc))
        except Exception as exc:
            return internal_error(exc)

    # -- helpers ---------------------------------------------------------------------------------

    def audit(self, author: str, action: str, request: str, message_id: str = "", outcome: str = "") -> None:
        if self.sw.on(Lapse.KEEPS_NO_TRAIL):
            return
        assert self.state is not None
        self.state.audit(author, action, request, message_id, outcome)

    def config(self) -> tuple[MssConfig, DuiState]:
        assert self.cfg is not None and self.state is not None
        return self.cfg, self.state

    def check_recipients(self, to: list[str]) -> None:
        cfg, _ = self.config()
        if not to:
            raise Refused("aucun destinataire")
        outside = [a for a in to if domain_of(a) not in cfg.whitelist]
        if outside and not self.sw.on(Lapse.IGNORES_WHITELIST):
            raise Refused(
                "destinataire(s) hors de l'espace de confiance MSSanté (liste blanche) : " + ", ".join(outside)
            )

    def transmit(self, built: BuiltMessage, *, action: str, author: str, envid: str | None = None) -> Outcome:
        """Submit a built message; the one place where an unreachable operator is reported."""
        cfg, state = self.config()
        data = built.data
        if cfg.size_limit and len(data) > cfg.size_limit:
            raise Refused(
                f"message de {len(data)} octets : au-delà de la taille maximale de l'opérateur "
                f"({cfg.size_limit} octets)"
            )
        try:
            report = submit(cfg, built.recipients, data, envid=envid, flaws=self.sw.tls)
        except OperatorUnreachable as exc:
            if self.sw.on(Lapse.REPORTS_UNSENT_AS_SENT):
                return Outcome("ok", {"message_id": built.message_id}, detail="message mis en file d'attente")
            raise TransportError(str(exc)) from exc
        state.remember_sent(
            SentRecord(
                built.message_id,
                envid,
                str(built.msg.get("Subject", "")),
                str(built.msg.get("Date", "")),
                list(built.recipients),
            )
        )
        self.audit(author, action, report.request, built.message_id, "accepté par l'opérateur")
        return Outcome("ok", {"message_id": built.message_id})

    # -- verbs -----------------------------------------------------------------------------------

    def send_documents(self, p: dict[str, Any]) -> Outcome:
        cfg, state = self.config()
        patient = Patient.from_identity(p["patient"])
        patient = state.base.by_ins(patient.ins, patient.ins_oid) or patient
        requests = [DocumentRequest.from_params(d) for d in p.get("documents") or []]
        if not requests:
            raise Refused("aucun document à transmettre")
        to = [str(a) for a in p.get("to") or []]
        if p.get("to_patient"):
            if not patient.qualified and not self.sw.on(Lapse.WRITES_TO_UNQUALIFIED):
                raise Refused("identité de l'usager non qualifiée : son adresse MSSanté (INS) ne peut être construite")
            if patient.opposition_mss_patient and not self.sw.on(Lapse.IGNORES_OPPOSITION):
                raise Refused("l'usager s'est opposé à l'envoi de documents par MSSanté")
            if any(r.invisible_patient for r in requests) and not self.sw.on(Lapse.SENDS_MASKED_DOCUMENT):
                raise Refused("document masqué au patient : il ne peut pas lui être envoyé")
            to.append(patient.address)
        self.check_recipients(to)
        env = BuildEnv.live()
        docs = []
        for i, request in enumerate(requests):
            who = patient
            if i == 1 and self.sw.on(Lapse.MIXES_PATIENTS):
                who = state.base.other_than(patient) or patient
            docs.append(
                build_document(who, request, author=EHPAD_DOCTOR, org=EHPAD, env=env, deviations=self.sw.deviations)
            )
        built = documents_message(
            cfg.bal,
            to,
            docs,
            org=EHPAD,
            body=str(p.get("body") or ""),
            nil=cfg.nil,
            block_reply=bool(p.get("block_reply")),
            read_receipt=bool(p.get("read_receipt")),
            env=env,
            deviations=self.sw.deviations,
        )
        envid = env.uuid().hex if p.get("delivery_receipt") else None
        return self.transmit(built, action="send", author=USER, envid=envid)

    def reply(self, p: dict[str, Any]) -> Outcome:
        return Receiver(self).reply(str(p.get("message_id", "")), str(p.get("body") or ""))

    def send_mdn(self, p: dict[str, Any]) -> Outcome:
        return Receiver(self).manual_mdn(str(p.get("message_id", "")), str(p.get("disposition") or "displayed"))

    def receive(self, p: dict[str, Any]) -> Outcome:
        return Receiver(self).receive()

    def audit_trail(self, p: dict[str, Any]) -> Outcome:
        _, state = self.config()
        return Outcome("ok", {"entries": state.trail_json()})
