"""pytest fixtures of the e-prescription suite: the stand-in service, and the steps scenarios share.

Registered as a plugin by the engine when `--socle eprescription` is selected. A scenario says
"prescribe these lines for this resident", "cancel it"; this module turns that into driver actions,
reads what the service saw (the posted Bundle, the number it assigned) and hands the artifacts to the
checks. The numbers judged are always the service's, never what the DUI claims.
"""

from __future__ import annotations

import base64
import binascii
import json
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

from .observations import refusal_reported
from .service import Exchange, PrescriptionService

EVIDENCE_FREE = frozenset({"EP-22", "EP-25", "EP-26", "EP-27", "EP-28"})  # judged on the PDF or the DUI's answers


def medication(kind: str) -> dict[str, Any]:
    """Synthetic-looking but well-formed codes of the ANSM systems (formats of the spec §D, EP-09)."""
    known: dict[str, dict[str, Any]] = {
        "paracetamol-ucd": {"system": "UCD", "code": "3400893766521", "display": "EFFERALGAN 1 g cp"},
        "paracetamol-sms": {"system": "codeSMS", "code": "100000090270", "display": "paracétamol"},
        "furosemide-ucd": {"system": "UCD", "code": "3400891235869", "display": "FUROSEMIDE 40 mg cp"},
        "rivastigmine-patch-ucd": {
            "system": "UCD",
            "code": "3400893822456",
            "display": "RIVASTIGMINE 4,6 mg/24 h dispositif transdermique",
        },
        # a magistral preparation (verb parameter `medication.components`): active substance + excipient (qsp)
        "vaseline-salicylee": {
            "system": "compound",
            "display": "Vaseline salicylée à 2 % (préparation magistrale)",
            "form": "Pommade",
            "form_edqm": "10504000",
            "cutaneous": True,
            "components": [
                {
                    "system": "codeSMS",
                    "code": "100000091458",
                    "display": "acide salicylique",
                    "strength": [2, 100, "g"],
                },
                {"system": "codeSMS", "code": "100000092134", "display": "vaseline", "vehicle": True},
            ],
        },
    }
    return known[kind]


def line(
    kind: str, dose: float, unit: str, frequency: int, duration: int, conditional: str = "", application_hours: int = 0
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "medication": medication(kind),
        "dose": dose,
        "unit": unit,
        "frequency": frequency,
        "duration": duration,
    }
    if conditional:
        out["conditional"] = conditional
    if application_hours:  # a patch: how long each one stays on
        out["application_hours"] = application_hours
    return out


def prescriber(key: str = "doctor") -> dict[str, Any]:
    pro = identities.professional(key)
    return {"rpps": pro["rpps"], "family": "MEDECIN-ESSAI", "given": "Paul"}


@dataclass
class Prescribed:
    """What one prescribing step produced: the DUI's answer and what the service saw."""

    outcome: Outcome
    exchanges: list[tuple[Exchange, Any]] = field(default_factory=list)
    lines: int = 0
    judged: bool = False  # every Bundle the service received was judged in the step (EpHarness.judge)

    @property
    def posts(self) -> list[tuple[Exchange, Any]]:
        return [(ex, ref) for ex, ref in self.exchanges if ex.method == "POST" and ex.path.endswith("/Bundle")]

    @property
    def assigned(self) -> str:
        """The number the service assigned (empty when it registered nothing)."""
        numbers = [ex.number for ex, _ in self.posts if ex.status == 201 and ex.number]
        return numbers[-1] if numbers else ""

    def pdf(self) -> bytes:
        try:
            return base64.b64decode(str(self.outcome.data.get("ordonnance_pdf", "")), validate=True)
        except (binascii.Error, ValueError):
            return b""

    def _silence(self, verify: Verifier, missing: str, present: int, rids: list[str]) -> None:
        """Nothing to judge: each requirement fails with what is missing and what the DUI answered."""
        facts = {"missing": missing, "present": present, "status": self.outcome.status, "detail": self.outcome.detail}
        for rid in rids:
            verify.observe(rid, "step.silence", facts, "driver outcome + service traffic")

    @property
    def context(self) -> CheckContext:
        return CheckContext(extra={"ordonnance_lines": {"ordonnance": self.lines}} if self.lines else {})

    def bundles(self) -> list[tuple[Exchange, Artifact]]:
        """Every Bundle the service received in this step, as the artifact the journal keeps."""
        return [
            (ex, Artifact("fhir", ref.label, ex.request_body, meta={"evidence_ref": ref}))
            for ex, ref in self.posts
            if ref is not None
        ]

    def check_bundle(self, verify: Verifier) -> None:
        """The declared content requirements on every Bundle the service received (judged in the step
        itself when the harness knows the scenario's verifier; here otherwise)."""
        content = [r for r in verify.declared if r not in EVIDENCE_FREE]
        bundles = self.bundles()
        if not bundles:
            self._silence(verify, "step.no-bundle", 0, content)
            return
        if not self.judged:
            for _ex, art in bundles:
                verify.artifact(art, self.context)

    def check_printed(self, verify: Verifier) -> None:
        """The ordonnance the DUI printed carries the number the service assigned (EP-22, EP-25)."""
        rids = [r for r in verify.declared if r in ("EP-22", "EP-25", "EP-28")]
        if not self.assigned:
            self._silence(verify, "step.no-number", 0, rids)
            return
        pdf = self.pdf()
        if not pdf:
            self._silence(verify, "step.no-pdf", len(pdf), rids)
            return
        ctx = CheckContext(extra={"prescription_number": self.assigned})
        verify.artifact(Artifact("pdf", "ordonnance.pdf", pdf), ctx)
        if "EP-25" in rids:
            facts = {"said": str(self.outcome.data.get("prescription_number", "")), "number": self.assigned}
            verify.observe("EP-25", "step.number-reported", facts, "driver outcome: prescription_number")


class EpHarness:
    """The steps of the e-prescription scenarios, bound to one service and one DUI."""

    def __init__(self, service: PrescriptionService, dui: Any, recorder: RunRecorder, settings: dict[str, Any]):
        self.service = service
        self.dui = dui
        self.recorder = recorder
        self.settings = settings
        self.verify: Verifier | None = None  # the running scenario's (set by `judge_every_exchange`)

    def prescribe(
        self,
        patient: str,
        lines: list[dict[str, Any]],
        *,
        strict: bool = False,
        prescriber_params: dict[str, Any] | None = None,
        provoked: tuple[str, ...] = (),
    ) -> Prescribed:
        """Ask the DUI to prescribe; `strict` makes the service refuse Bundles that break an EXIGENCE.
        `provoked` names the rules the scenario's own bad input makes the Bundle break (not the DUI's fault).

        Scenarios judging content run with the service in "record" mode (it registers and reports), so
        that one content defect fails its own requirement and not every workflow scenario with it.
        """
        params = {
            "patient": identities.patient(patient),
            "lines": lines,
            "prescriber": prescriber_params or prescriber(),
        }
        self.service.policy = "strict" if strict else "record"
        mark = self.service.mark()
        try:
            outcome = self.dui.act(Action("eprescription.prescribe", params))
        finally:
            self.service.policy = "record"
        done = Prescribed(outcome, self.service.exchanges_since(mark), len(lines))
        self.judge(done, provoked)
        return done

    def judge(self, done: Prescribed, provoked: tuple[str, ...] = ()) -> None:
        """Every Bundle the service received in the step, judged in the scenario that caused it by every
        e-prescription check: one the service accepted fails the scenario on any rule it breaks (issue 12:
        the stand-in registered a PROV Patient sent as an INS Patient and the run passed); one it refused
        is recorded with its findings, the refusal being the scenario's subject (EP-26)."""
        if self.verify is None:
            return
        for ex, art in done.bundles():
            if 200 <= ex.status < 300 and not provoked:
                self.verify.exchange(art, done.context)
            else:
                self.verify.artifact(art, done.context, provoked=provoked)
        done.judged = True

    def cancel(self, number: str) -> tuple[Outcome, list[tuple[Exchange, Any]]]:
        mark = self.service.mark()
        outcome = self.dui.act(Action("eprescription.cancel", {"prescription_number": number}))
        return outcome, self.service.exchanges_since(mark)

    def status_of(self, number: str) -> str:
        rec = self.service.store.get(number)
        return rec.status if rec is not None else "unknown"


def refusal_rules(exchanges: list[tuple[Exchange, Any]]) -> list[str]:
    """Rule ids and diagnostics of the service's refusals (4xx OperationOutcomes) in `exchanges`."""
    out: list[str] = []
    for ex, _ in exchanges:
        if ex.status < 400:
            continue
        try:
            oo = json.loads(ex.response_body.decode("utf-8"))
        except ValueError:
            continue
        for issue in oo.get("issue", []) if isinstance(oo, dict) else []:
            codes = [c.get("code", "") for c in (issue.get("details") or {}).get("coding", [])]
            out.extend(str(c) for c in codes if c)
            if not codes and issue.get("diagnostics"):
                out.append(str(issue["diagnostics"])[:80])
    return list(dict.fromkeys(out))


def reports_refusal(outcome: Outcome, exchanges: list[tuple[Exchange, Any]]) -> tuple[bool, list[str]]:
    """EP-26: a refused request is answered error/refused and the user sees what the service said."""
    said = refusal_rules(exchanges)
    return refusal_reported(outcome.status, outcome.detail, said), said


def selected_socles(config: pytest.Config) -> list[str]:
    from conformance.pytest_plugin import RECORDER_KEY

    recorder = config.stash.get(RECORDER_KEY, None)
    return list(recorder.info.socles) if recorder is not None else []


@pytest.fixture(scope="session")
def eprescription(conformance_run: RunRecorder, dui: Any, pytestconfig: pytest.Config) -> Iterator[EpHarness]:
    from conformance.engine.capture.sandbox import platform_of
    from conformance.formats.pki import TestPKI, pki_cache_dir
    from conformance.socles.eprescription.relay.service import PrescriptionRelay

    pki = TestPKI.load_or_create(pki_cache_dir())
    port = service_port(dui, "eprescription", "eprescription", "https")
    sandbox = platform_of(pytestconfig, "eprescription")  # a sandbox run: the relay to the platform
    service: Any = (
        PrescriptionRelay(conformance_run.journal, pki, *sandbox, port=port)
        if sandbox
        else PrescriptionService(conformance_run.journal, pki, port=port)
    )
    service.start()
    try:
        settings = {**service.settings(), "patients": identities.patients()}
        dui.configure({"eprescription": settings})
        yield EpHarness(service, dui, conformance_run, settings)
    finally:
        service.stop()


@pytest.fixture(autouse=True)
def judge_every_exchange(request: pytest.FixtureRequest) -> Iterator[None]:
    """Hand the running e-prescription scenario's verifier to the harness, so that every request the
    stand-in receives is judged in the scenario that caused it (see `EpHarness.judge`)."""
    if "eprescription" not in request.fixturenames:
        yield
        return
    harness: EpHarness = request.getfixturevalue("eprescription")
    harness.verify = request.getfixturevalue("verify")
    try:
        yield
    finally:
        harness.verify = None
