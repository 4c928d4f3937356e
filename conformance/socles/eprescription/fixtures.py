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
from conformance.engine.recorder import RunRecorder
from conformance.engine.verifier import Verifier
from conformance.messages import Text
from conformance.model import Artifact, CheckContext

from .messages import M
from .service import Exchange, PrescriptionService

EVIDENCE_FREE = frozenset({"EP-22", "EP-25", "EP-26", "EP-27"})  # judged on the PDF or the DUI's answers


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

    def _silence(self, verify: Verifier, what: Text, rids: list[str]) -> None:
        """Nothing to judge: each requirement fails with what is missing and what the DUI answered."""
        said = what + M.text("answer", status=self.outcome.status, detail=self.outcome.detail[:300])
        for rid in rids:
            verify.expect(
                rid, False, said, location="driver outcome + service traffic", evidence=self.outcome.to_json()
            )

    def check_bundle(self, verify: Verifier) -> None:
        """Judge the declared content requirements on every Bundle the service received."""
        content = [r for r in verify.declared if r not in EVIDENCE_FREE]
        posts = [(ex, ref) for ex, ref in self.posts if ref is not None]
        if not posts:
            self._silence(verify, M.text("step.no-bundle"), content)
            return
        ctx = CheckContext(extra={"ordonnance_lines": {"ordonnance": self.lines}} if self.lines else {})
        for ex, ref in posts:
            verify.artifact(Artifact("fhir", ref.path, ex.request_body, meta={"evidence_ref": ref}), ctx)

    def check_printed(self, verify: Verifier) -> None:
        """The ordonnance the DUI printed carries the number the service assigned (EP-22, EP-25)."""
        rids = [r for r in verify.declared if r in ("EP-22", "EP-25")]
        if not self.assigned:
            self._silence(verify, M.text("step.no-number"), rids)
            return
        pdf = self.pdf()
        if not pdf:
            self._silence(verify, M.text("step.no-pdf"), rids)
            return
        ctx = CheckContext(extra={"prescription_number": self.assigned})
        verify.artifact(Artifact("pdf", "ordonnance.pdf", pdf), ctx)
        if "EP-25" in rids:
            said = str(self.outcome.data.get("prescription_number", ""))
            verify.expect(
                "EP-25",
                said == self.assigned,
                M.text("step.number-other", said=said, number=self.assigned),
                ok_text=M.text("step.number-reported", number=self.assigned),
                location="driver outcome: prescription_number",
                evidence=self.outcome.to_json(),
            )


class EpHarness:
    """The steps of the e-prescription scenarios, bound to one service and one DUI."""

    def __init__(self, service: PrescriptionService, dui: Any, recorder: RunRecorder, settings: dict[str, Any]):
        self.service = service
        self.dui = dui
        self.recorder = recorder
        self.settings = settings

    def prescribe(
        self,
        patient: str,
        lines: list[dict[str, Any]],
        *,
        strict: bool = False,
        prescriber_params: dict[str, Any] | None = None,
    ) -> Prescribed:
        """Ask the DUI to prescribe; `strict` makes the service refuse Bundles that break an EXIGENCE.

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
        return Prescribed(outcome, self.service.exchanges_since(mark), len(lines))

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
    if outcome.ok or not outcome.detail.strip():
        return False, said
    return (not said or any(s in outcome.detail for s in said)), said


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
    sandbox = platform_of(pytestconfig, "eprescription")  # a sandbox run: the relay to the platform
    service: Any = (
        PrescriptionRelay(conformance_run.journal, pki, *sandbox)
        if sandbox
        else PrescriptionService(conformance_run.journal, pki)
    )
    service.start()
    try:
        settings = {**service.settings(), "patients": identities.patients()}
        dui.configure({"eprescription": settings})
        yield EpHarness(service, dui, conformance_run, settings)
    finally:
        service.stop()
