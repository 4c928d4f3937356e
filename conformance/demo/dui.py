"""The reference DUI ("demo" driver): an MSSanté client an EHPAD could run, minus the screens.

It sends its residents' documents (CDA N1 + PDF/A copies in IHE_XDM.zip) from the establishment's
applicative BAL, reads that BAL by IMAP, files received documents into the right record from
METADATA patientId, answers read-receipt requests, correlates receipts with what it sent and
traces every operation. It refuses what the rules forbid: an usager address without qualified
INS, an usager who opposed MSSanté sending, a document masked to the patient, a recipient outside
the liste blanche, a message larger than the operator allows.

With a seeded defect (conformance/demo/defects.py) exactly one of these behaviours goes wrong.
"""

from __future__ import annotations

from typing import Any

from conformance.drivers.base import Action, Driver, DriverError, Outcome
from conformance.socles.mssante.build.documents import build_document
from conformance.socles.mssante.build.inputs import (
    EHPAD,
    EHPAD_DOCTOR,
    BuildEnv,
    DocumentRequest,
    Patient,
)
from conformance.socles.mssante.build.message import BuiltMessage, documents_message

from . import defects
from .dmp_feed import DmpDui
from .eprescription_client import Prescriber, run_verb
from .eprescription_share import OrdonnanceSharer
from .errors import Refused
from .mssante_client import MssConfig, OperatorUnreachable, TransportError, submit
from .receiving import Receiver
from .records import USER, DuiState, SentRecord
from .switches import Switches, switches_for


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip().lower()


class DemoDriver(Driver):
    name = "demo"
    traffic_timeout = 10.0

    def __init__(self, defect: str | None = None) -> None:
        """`defect` is one seeded defect, or several joined by '+' (at most one per socle), so that a
        certificate can be shown with some socles broken and others not."""
        chosen: dict[str, str] = {}
        for name in (defect or "").split("+") if defect else []:
            found = defects.find(name)
            if found is None:
                known = ", ".join(d.name for d in defects.DEFECTS)
                raise DriverError(f"unknown demo defect {name!r} (known: {known})")
            if found.socle in chosen:
                raise DriverError(f"at most one defect per socle: {chosen[found.socle]!r} and {name!r}")
            chosen[found.socle] = name
        self.defect = defect
        self.sw: Switches = switches_for(chosen.get("mssante"))
        self.cfg: MssConfig | None = None
        self.state: DuiState | None = None
        self.eprescriber = Prescriber(chosen.get("eprescription"))
        self.dmp = DmpDui(chosen.get("dmp"))
        self.sharer = OrdonnanceSharer(self)
        if defect:
            self.name = f"demo:{defect}"

    # -- driver contract -------------------------------------------------------------------------

    def configure(self, settings: dict[str, Any]) -> None:
        if "mssante" in settings:
            self.cfg = MssConfig.from_settings(settings["mssante"])
            self.state = DuiState(self.cfg.bal.address, self.cfg.patients)
        if "eprescription" in settings:
            self.eprescriber.configure(settings["eprescription"])
        if "dmp" in settings:
            self.dmp.configure(settings["dmp"])

    def act(self, action: Action, timeout: float = 30.0) -> Outcome:
        verbs = {
            "mssante.send_documents": self.send_documents,
            "mssante.reply": self.reply,
            "mssante.receive": self.receive,
            "mssante.send_mdn": self.send_mdn,
            "dui.audit_trail": self.audit_trail,
            "eprescription.prescribe": self.eprescriber.prescribe,
            "eprescription.cancel": self.eprescriber.cancel,
            "eprescription.share": self.sharer.share,
            "dmp.feed": self.dmp.feed,
            "dmp.find": self.dmp.find,
            "dmp.retrieve": self.dmp.retrieve,
        }
        fn = verbs.get(action.verb)
        if fn is None:
            return Outcome("error", detail="unsupported verb")
        if action.verb == "eprescription.share":  # the prescriber's records + the DMP and MSSanté sides
            return run_verb(lambda p: self.sharer.share(p, timeout), action.params)
        if action.verb.startswith("eprescription."):  # its own configuration, see eprescription_client
            return run_verb(fn, action.params)
        if action.verb.startswith("dmp."):  # its own configuration, see demo.dmp_feed
            return self.dmp.run(fn, action.params, timeout)
        if self.cfg is None or self.state is None:
            return Outcome("error", detail="le DUI n'est pas configuré pour MSSanté")
        self.cfg.timeout = max(1.0, min(10.0, timeout / 3))
        try:
            return fn(dict(action.params))
        except Refused as exc:
            self.audit(USER, "refuse", "aucune (refus avant connexion)", outcome=str(exc))
            return Outcome("refused", detail=str(exc))
        except TransportError as exc:
            self.audit(USER, "error", action.verb, outcome=str(exc))
            return Outcome("error", detail=str(exc))
        except Exception as exc:  # a bug of the reference DUI is still an answer, never a traceback
            return Outcome("error", detail=f"erreur interne du DUI : {type(exc).__name__}: {exc}")

    # -- helpers ---------------------------------------------------------------------------------

    def audit(self, author: str, action: str, request: str, message_id: str = "", outcome: str = "") -> None:
        if self.sw.on("no-audit"):
            return
        assert self.state is not None
        self.state.audit(author, action, request, message_id, outcome)

    def _config(self) -> tuple[MssConfig, DuiState]:
        assert self.cfg is not None and self.state is not None
        return self.cfg, self.state

    def check_recipients(self, to: list[str]) -> None:
        cfg, _ = self._config()
        if not to:
            raise Refused("aucun destinataire")
        outside = [a for a in to if domain_of(a) not in cfg.whitelist]
        if outside and not self.sw.on("send-outside-whitelist"):
            raise Refused(
                "destinataire(s) hors de l'espace de confiance MSSanté (liste blanche) : " + ", ".join(outside)
            )

    def transmit(self, built: BuiltMessage, *, action: str, author: str, envid: str | None = None) -> Outcome:
        """Submit a built message; the one place where an unreachable operator is reported."""
        cfg, state = self._config()
        data = built.data
        if cfg.size_limit and len(data) > cfg.size_limit:
            raise Refused(
                f"message de {len(data)} octets : au-delà de la taille maximale de l'opérateur "
                f"({cfg.size_limit} octets)"
            )
        try:
            report = submit(cfg, built.recipients, data, envid=envid, flaws=self.sw.tls)
        except OperatorUnreachable as exc:
            if self.sw.on("error-swallowed"):
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
        cfg, state = self._config()
        patient = Patient.from_identity(p["patient"])
        patient = state.base.by_ins(patient.ins, patient.ins_oid) or patient
        requests = [DocumentRequest.from_params(d) for d in p.get("documents") or []]
        if not requests:
            raise Refused("aucun document à transmettre")
        to = [str(a) for a in p.get("to") or []]
        if p.get("to_patient"):
            if not patient.qualified and not self.sw.on("patient-address-unqualified"):
                raise Refused("identité de l'usager non qualifiée : son adresse MSSanté (INS) ne peut être construite")
            if patient.opposition_mss_patient and not self.sw.on("ignore-opposition"):
                raise Refused("l'usager s'est opposé à l'envoi de documents par MSSanté")
            if any(r.invisible_patient for r in requests) and not self.sw.on("send-invisible-doc"):
                raise Refused("document masqué au patient : il ne peut pas lui être envoyé")
            to.append(patient.address)
        self.check_recipients(to)
        env = BuildEnv.live()
        docs = []
        for i, request in enumerate(requests):
            who = patient
            if i == 1 and self.sw.on("two-patients"):
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
        _, state = self._config()
        return Outcome("ok", {"entries": state.trail_json()})
