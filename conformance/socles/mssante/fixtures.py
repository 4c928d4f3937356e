"""pytest fixtures of the MSSanté suite: the mock operator, and the steps scenarios share.

Registered as a plugin by the engine when `--socle mssante` is selected. Scenarios speak in
steps ("send these documents", "deliver this message and let the DUI read its inbox"); this module
turns them into driver actions, operator waits and artifacts for the checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from conformance import identities
from conformance.drivers.base import Action, Outcome
from conformance.engine.fixtures import service_port
from conformance.engine.recorder import RunRecorder
from conformance.engine.verifier import Verifier
from conformance.model import Artifact, CheckContext

NIL = "DUI-CONF-0001"  # the "référence produit" the harness configures (X-MSS-NIL)

DOCUMENT_TYPES = {
    # type_code (JDV_J07, LOINC), display name: chosen among documents an EHPAD sends
    "lettre": ("11490-0", "Lettre de liaison à la sortie d'un établissement de soins"),
    "dlu": ("74207-2", "Document de liaison d'urgence"),
    "cr": ("11488-4", "CR ou fiche de consultation ou de visite"),
}


def doc_request(
    kind: str = "lettre",
    *,
    title: str | None = None,
    service_date: str = "2026-11-20",
    invisible_patient: bool = False,
    extra_bytes: int = 0,
) -> dict[str, Any]:
    code, display = DOCUMENT_TYPES[kind]
    return {
        "type_code": code,
        "type_display": display,
        "title": title or display,
        "service_date": service_date,
        "invisible_patient": invisible_patient,
        "extra_bytes": extra_bytes,
    }


@dataclass
class Sent:
    """What one sending step produced: the DUI's answer and the traffic the operator saw."""

    outcome: Outcome
    messages: list[Any] = field(default_factory=list)  # operator submissions
    sessions: list[Any] = field(default_factory=list)  # operator session records
    ctx: CheckContext = field(default_factory=CheckContext)

    def check(self, verify: Verifier) -> None:
        """Judge the declared requirements on every message sent; no message is itself a failure."""
        if not self.messages:
            for rid in verify.declared:
                verify.observe(rid, "sent.nothing", self.facts(), "driver outcome")
            return
        for sub in self.messages:
            verify.artifact(message_artifact(sub), self.ctx)

    def facts(self) -> dict[str, Any]:
        """What an observation of this step says: the DUI's answer and how many messages the operator got."""
        return {"status": self.outcome.status, "detail": self.outcome.detail, "messages": len(self.messages)}

    def check_sessions(self, verify: Verifier, **extra: Any) -> None:
        ctx = CheckContext(whitelist=tuple(identities.whitelist()), extra=extra)
        for rec in self.sessions:
            verify.artifact(session_artifact(rec), ctx)


def message_artifact(sub: Any) -> Artifact:
    return Artifact("email", sub.evidence.label, sub.data, meta={"evidence_ref": sub.evidence})


def session_artifact(rec: Any) -> Artifact:
    return Artifact(
        f"{rec.protocol}-session",
        f"{rec.protocol}-session",
        rec.to_json_bytes(),
        meta={"evidence_ref": rec.evidence} if getattr(rec, "evidence", None) else {},
    )


class MssHarness:
    """The steps of the MSSanté scenarios, bound to one operator and one DUI."""

    def __init__(self, operator: Any, dui: Any, recorder: RunRecorder, settings: dict[str, Any]) -> None:
        self.operator = operator
        self.dui = dui
        self.recorder = recorder
        self.settings = settings

    @property
    def bal(self) -> str:
        return str(self.settings["bal"]["address"])

    def patient(self, key: str) -> dict[str, Any]:
        return identities.patient(key)

    def address(self, who: str) -> str:
        if "@" in who:
            return who
        return str(identities.professional(who)["address"])

    def send(
        self,
        patient: str,
        documents: list[dict[str, Any]],
        to: list[str] | None = None,
        *,
        to_patient: bool = False,
        block_reply: bool = False,
        read_receipt: bool = False,
        delivery_receipt: bool = False,
        body: str = "Bonjour,\nVeuillez trouver ci-joint le document.\n",
        expect_traffic: bool = True,
        variant: str | None = None,
    ) -> Sent:
        pat = self.patient(patient)
        params = {
            "patient": pat,
            "documents": documents,
            "to": [self.address(t) for t in (to or [])],
            "to_patient": to_patient,
            "block_reply": block_reply,
            "read_receipt": read_receipt,
            "delivery_receipt": delivery_receipt,
            "body": body,
        }
        return self.act_and_capture(
            Action("mssante.send_documents", params),
            expect_traffic=expect_traffic,
            variant=variant,
            ctx=CheckContext(
                expected_nil=NIL,
                sender_bal_type=self.settings["bal"]["type"],
                to_patient=to_patient,
                block_reply=block_reply,
                read_receipt=read_receipt,
                patient=pat,
                whitelist=tuple(identities.whitelist()),
            ),
        )

    def act_and_capture(
        self,
        action: Action,
        *,
        expect_traffic: bool = True,
        variant: str | None = None,
        ctx: CheckContext | None = None,
    ) -> Sent:
        """Ask the DUI to act; when it says it sent something, wait for it at the operator."""
        op = self.operator
        op.variant = variant or "good"
        mark = op.mark()
        try:
            outcome = self.dui.act(action)
            if outcome.ok and expect_traffic:
                op.wait_for_submission(lambda s: True, timeout=self.dui.traffic_timeout, since=mark)
            # let every session the action opened end before judging it
            op.wait_idle(timeout=self.dui.traffic_timeout)
        finally:
            op.variant = "good"
        return Sent(outcome, op.submissions_since(mark), op.sessions_since(mark), ctx or CheckContext())

    def deliver(self, message: bytes) -> None:
        self.operator.deliver(self.bal, message)

    def receive(self) -> tuple[Outcome, list[Any]]:
        mark = self.operator.mark()
        outcome = self.dui.act(Action("mssante.receive", {}))
        self.operator.wait_idle(timeout=self.dui.traffic_timeout)
        return outcome, self.operator.sessions_since(mark)


@pytest.fixture(scope="session")
def mss(conformance_run: RunRecorder, dui: Any, pytestconfig: pytest.Config) -> Iterator[MssHarness]:
    from conformance.engine.capture.sandbox import platform_of
    from conformance.formats.pki import TestPKI, pki_cache_dir
    from conformance.socles.mssante.relay.operator import RelayOperator
    from conformance.socles.mssante.service import Operator

    pki = TestPKI.load_or_create(pki_cache_dir())
    sandbox = platform_of(pytestconfig, "mssante")  # a sandbox run: the relay to the platform's operator
    smtp, imap = (service_port(dui, "mssante", "operator", p) for p in ("smtp", "imap"))
    operator = (
        RelayOperator(
            conformance_run.journal, pki, *sandbox, whitelist=identities.whitelist(), smtp_port=smtp, imap_port=imap
        )
        if sandbox
        else Operator(conformance_run.journal, pki, whitelist=identities.whitelist(), smtp_port=smtp, imap_port=imap)
    )
    operator.start()
    try:
        settings = {
            **operator.settings(),
            "bal": identities.dui_bal(),
            "nil": NIL,
            "whitelist": identities.whitelist(),
            "patients": identities.patients(),
        }
        dui.configure({"mssante": settings})
        yield MssHarness(operator, dui, conformance_run, settings)
    finally:
        operator.stop()
