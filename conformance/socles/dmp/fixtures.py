"""pytest fixtures of the DMP suite: the mock DMP, and the feed step scenarios share.

Registered as a plugin by the engine when `--socle dmp` is selected. A scenario asks the DUI to
feed one document for one synthetic patient; the step returns the DUI's answer and what the mock
DMP saw, and `Fed.check` hands the captured request (soap, which the socle expands into its XDS
metadata and CDA documents, as `validate` does) and the DUI-vs-DMP observation to the registered checks.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conformance import identities
from conformance.drivers.base import Action, Outcome
from conformance.engine.evidence import OBSERVED
from conformance.engine.fixtures import service_port
from conformance.engine.recorder import RunRecorder
from conformance.engine.verifier import Verifier
from conformance.formats.pki import pki_cache_dir
from conformance.formats.xmlsafe import XmlRefused, parse_xml
from conformance.model import Artifact, CheckContext

from .checks.vihf import attributes, text_of
from .mtom import MtomError, parse_mtom
from .service.query import QUERIES, query_params
from .service.store import REPOSITORY_ID

DOCUMENTS = {
    # key: type_code (JDV_J07, LOINC), display: documents an EHPAD feeds
    "suivi": ("11506-3", "CR ou fiche de suivi de soins par auxiliaire médical"),
    "dlu": ("74207-2", "Document de liaison d'urgence"),
}


CONSULTS = ("ITI-18", "ITI-43")


def document(kind: str = "suivi", title: str | None = None) -> dict[str, Any]:
    code, display = DOCUMENTS[kind]
    return {"type_code": code, "type_display": display, "title": title or display}


@dataclass
class Fed:
    """One DUI step: its answer and the exchanges the mock DMP answered meanwhile (TD0.2, ITI-18,
    ITI-41, ITI-43), with the true state of the patient's DMP at that time."""

    outcome: Outcome
    exchanges: list[Any] = field(default_factory=list)
    ctx: CheckContext = field(default_factory=CheckContext)
    dmp_status: str = "active"  # active | closed | none
    provoked: tuple[str, ...] = ()  # rules the harness made the DUI break on purpose (TD0.2 lied: DMP-R02)

    @property
    def feeds(self) -> list[Any]:
        return [ex for ex in self.exchanges if ex.transaction == "ITI-41"]

    def facts(self) -> dict[str, Any]:
        """What an observation of this step says: the DUI's answer and what reached the mock DMP."""
        return {
            "status": self.outcome.status,
            "detail": self.outcome.detail,
            "requests": len(self.exchanges),
            "feeds": len(self.feeds),
        }

    def nothing_reached(self, verify: Verifier, *, expected: tuple[str, ...] = ("ITI-41",)) -> None:
        facts = {**self.facts(), "expected": list(expected)}
        facts["matching"] = len([ex for ex in self.exchanges if ex.transaction in expected])
        for rid in verify.declared:
            verify.observe(rid, "feed.nothing-reached", facts, "driver outcome")

    def check(self, verify: Verifier) -> None:
        """Judge the declared requirements on every request the DMP received during the step."""
        if not self.feeds:
            self.nothing_reached(verify)
            return
        for ex in self.exchanges:
            meta = {"evidence_ref": ex.request_ref, "content_type": ex.content_type}
            cut = {"source_ref": ex.request_ref}  # parts of the request: its role and capture time
            if ex.transaction == "ITI-41":
                # the request, its XDS metadata and its documents: expanded by the socle (checks.parts), as in validate
                verify.artifact(Artifact("soap", ex.request_ref.label, ex.request, meta), self.ctx)
                verify.artifact(exchange_artifact(self.outcome, ex), self.ctx)
            elif ex.transaction in CONSULTS:
                verify.artifact(consult_artifact(ex), self.ctx)
            verify.artifact(
                Artifact(
                    "dmp-client-cert",
                    f"{ex.request_ref.label}#tls",
                    ex.client_cert or b"",
                    {**cut, "vihf_structure": vihf_structure(ex)},
                ),
                self.ctx,
            )
        verify.artifact(self.step_artifact(), self.ctx, provoked=self.provoked)

    def check_consult(self, verify: Verifier) -> None:
        """Judge the searches and retrievals of a step (no feed expected)."""
        consults = [ex for ex in self.exchanges if ex.transaction in CONSULTS]
        if not consults:
            self.nothing_reached(verify, expected=CONSULTS)
            return
        for ex in consults:
            verify.artifact(consult_artifact(ex), self.ctx)

    def step_artifact(self) -> Artifact:
        obs = {
            "ins": str((self.ctx.patient or {}).get("ins") or ""),
            "dmp_status": self.dmp_status,
            "outcome": self.outcome.to_json(),
            "exchanges": [
                {
                    "seq": ex.seq,
                    "transaction": ex.transaction,
                    "status": ex.status,
                    "query": ex.request.decode("utf-8", "replace") if ex.transaction == "TD0.2" else "",
                }
                for ex in self.exchanges
            ],
        }
        data = json.dumps(obs, ensure_ascii=False).encode("utf-8")
        return Artifact("dmp-step", "dmp-step.json", data, {"role": OBSERVED})


def consult_artifact(ex: Any) -> Artifact:
    """A search or retrieval the DUI sent, as the "dmp-consult" check reads it."""
    return Artifact(
        "dmp-consult",
        ex.request_ref.label,
        ex.request,
        {"evidence_ref": ex.request_ref, "content_type": ex.content_type, "transaction": ex.transaction},
    )


def vihf_structure(ex: Any) -> str:
    """The Identifiant_Structure of the VIHF an exchange carried ('' for TD0.2 or an unreadable one)."""
    raw = ex.envelope or (ex.request if ex.transaction == "ITI-18" else b"")
    if ex.transaction == "ITI-43" and ex.content_type.lower().startswith("multipart/"):
        try:
            raw = parse_mtom(ex.content_type, ex.request).envelope_bytes
        except MtomError:
            return ""
    if not raw:
        return ""
    try:
        root = parse_xml(raw)
    except XmlRefused:
        return ""
    assertion = next(root.iter("{urn:oasis:names:tc:SAML:2.0:assertion}Assertion"), None)
    return text_of(attributes(assertion).get("Identifiant_Structure", [])) if assertion is not None else ""


def exchange_artifact(outcome: Outcome, ex: Any) -> Artifact:
    obs = {"outcome": outcome.to_json(), "registry": {"status": ex.status, "errors": ex.errors}}
    data = json.dumps(obs, ensure_ascii=False).encode("utf-8")
    return Artifact("dmp-exchange", "dmp-exchange.json", data, {"role": OBSERVED})


class DmpHarness:
    def __init__(self, service: Any, dui: Any, recorder: RunRecorder, settings: dict[str, Any]) -> None:
        self.service, self.dui, self.recorder, self.settings = service, dui, recorder, settings
        self._shared: dict[str, Fed] = {}

    def context(self, pat: dict[str, Any]) -> CheckContext:
        return CheckContext(
            patient=pat,
            # Paths, not strings: the bundle and the CRL are recorded with the judgement, so it can be re-judged
            extra={
                "ca_bundle": Path(self.service.pki.ca_bundle),
                "crl": Path(self.service.pki.crl),  # signer trust with revocation (VIHF, XAdES)
                "batch_feed": True,
                "facility_type": "SA17",
            },
        )

    @property
    def repository_id(self) -> str:
        return str(getattr(self.service, "repository_id", REPOSITORY_ID))  # a sandbox platform's own

    def stored(self, unique_id: str) -> Any:
        """The document the mock DMP holds under `unique_id` (the truth a retrieval is compared with)."""
        return next((r.documents[unique_id] for r in self.service.records.values() if unique_id in r.documents), None)

    def dmp_status(self, pat: dict[str, Any]) -> str:
        record = self.service.records.get(f"{pat['ins']}^^^&{pat['ins_oid']}&ISO^NH")
        return "none" if record is None else record.status

    def step(
        self, verb: str, patient: str, params: dict[str, Any], *, variant: str = "good", td02_stale: bool = False
    ) -> Fed:
        """Ask the DUI for one DMP verb and collect what the mock DMP answered meanwhile."""
        pat = identities.patient(patient)
        mark = self.service.log.mark()
        self.service.variant, self.service.td02_stale = variant, td02_stale
        try:
            outcome = self.dui.act(Action(verb, {"patient": pat, **params}))
        finally:
            self.service.variant, self.service.td02_stale = "good", False
        provoked = ("DMP-R02",) if td02_stale else ()  # TD0.2 said "active": feeding was not the DUI's fault
        return Fed(outcome, self._since(mark, outcome), self.context(pat), self.dmp_status(pat), provoked)

    def during(self, act: Callable[[], Outcome]) -> tuple[Outcome, list[Any]]:
        """The DUI's answer to `act` and the exchanges the mock DMP answered meanwhile."""
        mark = self.service.log.mark()
        outcome = act()
        return outcome, self._since(mark, outcome)

    def _since(self, mark: int, outcome: Outcome) -> list[Any]:
        exchanges = self.service.log.since(mark)
        if outcome.ok and not exchanges:  # a remote DUI may answer before its request is processed
            exchanges = self.service.log.wait(mark, float(getattr(self.dui, "traffic_timeout", 10.0)))
        return exchanges

    def feed(
        self,
        patient: str,
        doc: dict[str, Any],
        *,
        variant: str = "good",
        replace_of: str | None = None,
        td02_stale: bool = False,
    ) -> Fed:
        params: dict[str, Any] = {"document": doc}
        if replace_of:
            params["replace_of"] = replace_of
        return self.step("dmp.feed", patient, params, variant=variant, td02_stale=td02_stale)

    def shared_feed(self, key: str, patient: str, doc: dict[str, Any]) -> Fed:
        """One feed judged by many rule scenarios: the DUI is asked once per run, every scenario that
        names `key` judges its own requirement on the same captured exchange (and cites it)."""
        if key not in self._shared:
            self._shared[key] = self.feed(patient, doc)
        return self._shared[key]

    def chain_artifact(self, patient: str, old: str, new: str, step: Fed) -> Artifact:
        """What the registry holds after a replacement, and how the DUI found what it replaced."""
        pat = identities.patient(patient)
        record = self.service.records.get(f"{pat['ins']}^^^&{pat['ins_oid']}&ISO^NH")
        docs = list(record.documents.values()) if record else []
        lookups = []
        for ex in step.exchanges:
            if ex.transaction != "ITI-18":
                continue
            try:
                query = next(parse_xml(ex.request).iter("{urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0}AdhocQuery"))
            except (XmlRefused, StopIteration):
                continue
            lookups.append(
                {
                    "seq": ex.seq,
                    "query": QUERIES.get(query.get("id", ""), query.get("id", "")),
                    "params": query_params(query),
                    "status": ex.status,
                }
            )
        obs = {
            "old": old,
            "new": new,
            "documents": [{"unique_id": d.unique_id, "entry_uuid": d.entry_uuid, "status": d.status} for d in docs],
            "associations": [
                {"type": a.type, "source": a.source, "target": a.target}
                for a in (record.associations if record else [])
            ],
            "lookups": lookups,
            "replacing_feed_seq": next((ex.seq for ex in step.feeds), None),
        }
        data = json.dumps(obs, ensure_ascii=False).encode("utf-8")
        return Artifact("dmp-chain", "dmp-chain.json", data, {"role": OBSERVED})


@pytest.fixture(scope="session")
def dmp(conformance_run: RunRecorder, dui: Any, pytestconfig: pytest.Config) -> Iterator[DmpHarness]:
    from conformance.engine.capture.sandbox import platform_of
    from conformance.formats.pki import TestPKI
    from conformance.socles.dmp.relay.service import DmpRelay
    from conformance.socles.dmp.service.app import DmpService

    pki = TestPKI.load_or_create(pki_cache_dir())
    sandbox = platform_of(pytestconfig, "dmp")  # a sandbox run: the relay to the platform, not the mock
    port = service_port(dui, "dmp", "dmp", "https")
    service: Any = (
        DmpRelay(conformance_run.journal, pki, *sandbox, port=port)
        if sandbox
        else DmpService(conformance_run.journal, pki, port=port)
    )
    service.start()
    try:
        settings = {**service.settings(), "patients": identities.patients()}
        dui.configure({"dmp": settings})
        yield DmpHarness(service, dui, conformance_run, settings)
    finally:
        service.stop()
