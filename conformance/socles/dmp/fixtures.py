"""pytest fixtures of the DMP suite: the mock DMP, and the feed step scenarios share.

Registered as a plugin by the engine when `--socle dmp` is selected. A scenario asks the DUI to
feed one document for one synthetic patient; the step returns the DUI's answer and what the mock
DMP saw, and `Fed.check` hands the captured request (soap), its XDS metadata, its CDA documents and
the DUI-vs-DMP observation to the registered checks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from conformance import identities
from conformance.drivers.base import Action, Outcome
from conformance.model import Artifact, CheckContext
from conformance.run import RunRecorder
from conformance.socles.mssante.fixtures import pki_cache_dir
from conformance.verify import Verifier

DOCUMENTS = {
    # key: type_code (JDV_J07, LOINC), display: documents an EHPAD feeds
    "suivi": ("11506-3", "CR ou fiche de suivi de soins par auxiliaire médical"),
    "dlu": ("74207-2", "Document de liaison d'urgence"),
}


def is_cda(data: bytes) -> bool:
    """Which MTOM parts are CDA documents (the lot also carries its signature), whatever their ids."""
    return b"ClinicalDocument" in data[:4096]


def document(kind: str = "suivi", title: str | None = None) -> dict[str, Any]:
    code, display = DOCUMENTS[kind]
    return {"type_code": code, "type_display": display, "title": title or display}


@dataclass
class Fed:
    """One feed step: the DUI's answer and the exchanges the mock DMP answered meanwhile."""

    outcome: Outcome
    exchanges: list[Any] = field(default_factory=list)
    ctx: CheckContext = field(default_factory=CheckContext)

    def nothing_reached(self, verify: Verifier) -> None:
        for rid in verify.declared:
            verify.expect(rid, False, f"nothing reached the DMP (answer: {self.outcome.status} {self.outcome.detail})",
                          f"rien n'a atteint le DMP (réponse : {self.outcome.status} {self.outcome.detail})",
                          location="driver outcome", evidence=self.outcome.to_json())

    def check(self, verify: Verifier) -> None:
        """Judge the declared requirements on every request the DMP received."""
        if not self.exchanges:
            self.nothing_reached(verify)
            return
        for ex in self.exchanges:
            meta = {"evidence_ref": ex.request_ref, "content_type": ex.content_type}
            verify.artifact(Artifact("soap", ex.request_ref.path, ex.request, meta), self.ctx)
            if ex.envelope:
                verify.artifact(Artifact("xds-metadata", f"{ex.request_ref.path}#envelope", ex.envelope,
                                         {"documents": ex.documents}), self.ctx)
            for doc_id, data in sorted(ex.documents.items()):
                if is_cda(data):
                    verify.artifact(Artifact("cda", f"{ex.request_ref.path}#{doc_id}", data), self.ctx)
            verify.artifact(exchange_artifact(self.outcome, ex), self.ctx)


def exchange_artifact(outcome: Outcome, ex: Any) -> Artifact:
    obs = {"outcome": outcome.to_json(), "registry": {"status": ex.status, "errors": ex.errors}}
    return Artifact("dmp-exchange", "dmp-exchange.json", json.dumps(obs, ensure_ascii=False).encode("utf-8"))


class DmpHarness:
    def __init__(self, service: Any, dui: Any, recorder: RunRecorder, settings: dict[str, Any]) -> None:
        self.service, self.dui, self.recorder, self.settings = service, dui, recorder, settings

    def feed(self, patient: str, doc: dict[str, Any], *, variant: str = "good",
             replace_of: str | None = None) -> Fed:
        pat = identities.patient(patient)
        params: dict[str, Any] = {"patient": pat, "document": doc}
        if replace_of:
            params["replace_of"] = replace_of
        mark = self.service.log.mark()
        self.service.variant = variant
        try:
            outcome = self.dui.act(Action("dmp.feed", params))
        finally:
            self.service.variant = "good"
        exchanges = self.service.log.since(mark)
        if outcome.ok and not exchanges:  # a remote DUI may answer before its request is processed
            exchanges = self.service.log.wait(mark, float(getattr(self.dui, "traffic_timeout", 10.0)))
        ctx = CheckContext(patient=pat, extra={"ca_bundle": str(self.service.pki.ca_bundle), "batch_feed": True,
                                               "facility_type": "SA17"})
        return Fed(outcome, exchanges, ctx)


@pytest.fixture(scope="session")
def dmp(conformance_run: RunRecorder, dui: Any) -> Iterator[DmpHarness]:
    from conformance.pki import TestPKI
    from conformance.socles.dmp.service import DmpService

    pki = TestPKI.load_or_create(pki_cache_dir())
    service = DmpService(conformance_run.journal, pki)
    service.start()
    try:
        settings = {**service.settings(), "patients": identities.patients()}
        dui.configure({"dmp": settings})
        yield DmpHarness(service, dui, conformance_run, settings)
    finally:
        service.stop()
