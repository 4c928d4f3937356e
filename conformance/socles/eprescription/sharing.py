"""The cross-socle steps of the e-prescription suite: share a registered ordonnance, see what arrived.

A scenario prescribes through the e-prescription service, then asks the DUI (verb
"eprescription.share") to feed the ordonnance to the DMP or send it to the patient by MSSanté. The
other socle's mock service captures the traffic; these steps hand it to the EP-23 checks
(checks/shared.py) and also run the other socle's own registered checks on it, since an ordonnance
that reaches the DMP or the patient against that socle's rules is not shared either: each failing
EXIGENCE of the other socle becomes an EP-23 finding here (the other socle's verdicts are its own
scenarios', never these).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from conformance.drivers.base import Action, Outcome
from conformance.engine.verifier import Verifier
from conformance.levels import apply_levels
from conformance.messages import Text
from conformance.model import Artifact, CheckContext, Finding, Verdict
from conformance.requirements import catalog_for

from .fixtures import EpHarness, Prescribed
from .messages import M

RID = "EP-23"
LINES = [
    {
        "medication": {"system": "UCD", "code": "3400891235869", "display": "FUROSEMIDE 40 mg cp"},
        "dose": 1,
        "unit": "comprimé",
        "frequency": 1,
        "duration": 30,
    },
    {
        "medication": {"system": "codeSMS", "code": "100000090270", "display": "paracétamol"},
        "dose": 1000,
        "unit": "mg",
        "frequency": 3,
        "duration": 5,
    },
]


class OtherSocleRules(Verifier):
    """Runs another socle's registered checks inside an e-prescription scenario, keeping the findings
    to itself (they are not that socle's verdicts): `conclude` turns its failures into EP-23 findings.

    Its judgements are recorded as charged to EP-23 in one group, so re-judging the evidence concludes
    them the same way (`conformance.engine.rejudge`)."""

    def __init__(self, verify: Verifier, socle: str) -> None:
        checked = [r.id for r in catalog_for(socle).requirements.values() if r.checked]
        super().__init__(
            verify.recorder, verify.nodeid, verify.socle, checked, checks=socle, charge=RID, memo=verify.memo
        )
        self.outer = verify

    def accept(self, findings: list[Finding]) -> list[Finding]:
        leveled = apply_levels(findings)  # a failed PRECONISATION of the other socle stays a warning
        self.findings.extend(leveled)
        return leveled

    def conclude(self, what: Text) -> None:
        bad = [f for f in self.findings if f.verdict is Verdict.FAIL]
        out = [
            replace(
                M.fail(RID, "share.breaks", f.location, what=what, rule=f.requirement, socle=self.checks, finding=f),
                evidence=f.evidence,
            )
            for f in bad
        ]
        if not out:
            rules = sorted({f.requirement for f in self.findings if f.verdict is not Verdict.NOT_APPLICABLE})
            warns = sorted({f.requirement for f in self.findings if f.verdict is Verdict.WARN})
            warnings = M.text("share.warnings", rules=", ".join(warns)) if warns else Text("", "")
            out = [
                M.passed(
                    RID,
                    "share.meets",
                    f"{self.checks} checks",
                    what=what,
                    socle=self.checks,
                    rules=len(rules),
                    findings=len(self.findings),
                    warnings=warnings,
                )
            ]
        self.outer.accept(out)


def part_outcome(outcome: Outcome, part: str) -> Outcome:
    """The answer of one part of the share verb (`data[part]`), or the whole answer when it has none."""
    got = outcome.data.get(part)
    if not isinstance(got, dict) or got.get("status") not in ("ok", "refused", "error"):
        return outcome
    data = {k: v for k, v in got.items() if k not in ("status", "detail")}
    return Outcome(str(got["status"]), data, str(got.get("detail", "")))


def registered(verify: Verifier, done: Prescribed) -> bool:
    """The ordonnance to share exists (else EP-23 fails: the prescription step did not register it)."""
    if done.outcome.ok and done.assigned:
        return True
    facts = {"status": done.outcome.status, "detail": done.outcome.detail, "number": done.assigned}
    verify.observe(RID, "share.unregistered", facts, "driver outcome + service traffic")
    return False


def share_action(
    done: Prescribed, patient: dict[str, Any], *, to_dmp: bool = False, to_patient_mssante: bool = False
) -> Action:
    return Action(
        "eprescription.share",
        {
            "prescription_number": done.assigned,
            "patient": patient,
            "to_dmp": to_dmp,
            "to_patient_mssante": to_patient_mssante,
        },
    )


def expect_part_ok(verify: Verifier, outcome: Outcome, part: str) -> Outcome:
    """The DUI says this part of the share verb went well (EP-23)."""
    got = part_outcome(outcome, part)
    facts = {"part": part, "status": got.status, "detail": got.detail}
    verify.observe(RID, "share.part-reported", facts, f"driver outcome: data.{part}")
    return got


@dataclass
class DmpShare:
    """The ordonnance fed to the DMP: the DUI's answer and what the mock DMP captured meanwhile."""

    outcome: Outcome
    fed: Any  # conformance.socles.dmp.api.Fed
    number: str
    patient: dict[str, Any]

    def check(self, verify: Verifier) -> None:
        expect_part_ok(verify, self.outcome, "dmp")
        # the DUI may ask the DMP other things first (TD0.2 status, ITI-18): the ordonnance is in the ITI-41 feeds
        feeds = [ex for ex in self.fed.exchanges if getattr(ex, "transaction", "ITI-41") == "ITI-41"]
        if not feeds:
            facts = {"status": self.outcome.status, "detail": self.outcome.detail, "feeds": len(feeds)}
            verify.observe(RID, "share.nothing-fed", facts, "DMP traffic")
            return
        ctx = CheckContext(patient=self.patient, extra={"prescription_number": self.number})
        for ex in feeds:
            if ex.envelope:
                verify.artifact(
                    Artifact(
                        "xds-metadata",
                        f"{ex.request_ref.label}#envelope",
                        ex.envelope,
                        {"source_ref": ex.request_ref, "documents": ex.documents},
                    ),
                    ctx,
                )
            else:
                verify.observe(RID, "share.no-lot", {"envelope": False}, ex.request_ref.label)
        rules = OtherSocleRules(verify, "dmp")
        self.fed.check(rules)
        rules.conclude(M.text("share.to-dmp"))


def share_to_dmp(ep: EpHarness, dmp: Any, done: Prescribed, patient: dict[str, Any]) -> DmpShare:
    """Ask the DUI to feed the ordonnance to the DMP; the mock DMP (the DMP suite's `dmp`) captures the feed."""
    from conformance.socles.dmp.api import captured_feed

    fed = captured_feed(dmp, lambda: ep.dui.act(share_action(done, patient, to_dmp=True)), patient)
    outcome = fed.outcome
    return DmpShare(outcome, replace(fed, outcome=part_outcome(outcome, "dmp")), done.assigned, patient)


@dataclass
class MssShare:
    """The ordonnance sent to the patient by MSSanté: the DUI's answer and what the operator accepted."""

    sent: Any  # conformance.socles.mssante.api.Sent
    number: str
    patient: dict[str, Any]

    @property
    def address(self) -> str:
        from conformance.socles.mssante.api import patient_address

        return patient_address(self.patient)

    @property
    def recipients(self) -> list[list[str]]:
        """The SMTP envelope recipients of every message the operator accepted."""
        return [s.rcpts for s in self.sent.messages]

    def to_patient(self) -> list[Any]:
        return [s for s in self.sent.messages if self.address.lower() in {r.lower() for r in s.rcpts}]

    def judge_messages(self, verify: Verifier) -> None:
        from conformance.socles.mssante.api import message_artifact

        for sub in self.sent.messages:
            verify.artifact(message_artifact(sub), self.sent.ctx)

    def check_sent(self, verify: Verifier) -> None:
        """Qualified INS: the ordonnance reaches the operator for the patient's address, with its PDF."""
        expect_part_ok(verify, self.sent.outcome, "mssante")
        if not self.sent.messages:
            verify.observe(RID, "share.nothing-reached", {"messages": 0}, "operator traffic")
            return
        facts = {"address": self.address, "rcpts": self.recipients}
        verify.observe(RID, "share.submitted", facts, "SMTP envelope")
        self.judge_messages(verify)
        rules = OtherSocleRules(verify, "mssante")
        self.sent.check(rules)
        rules.conclude(M.text("share.by-mssante"))

    def check_refused(self, verify: Verifier) -> None:
        """INS not qualified: nothing reaches the operator and the DUI says why (refused)."""
        got = part_outcome(self.sent.outcome, "mssante")
        facts = {
            "status": self.sent.outcome.status,
            "part_status": got.status,
            "detail": got.detail[:200],
            "messages": len(self.sent.messages),
            "rcpts": self.recipients,
        }
        verify.observe(RID, "share.refused", facts, "driver outcome + operator traffic")
        self.judge_messages(verify)  # what was sent anyway is judged too (its address rule fails)


def share_to_patient(ep: EpHarness, mss: Any, done: Prescribed, patient: dict[str, Any]) -> MssShare:
    """Ask the DUI to send the ordonnance to the patient; the mock operator (the MSSanté suite's `mss`) captures it.

    Traffic is awaited only when the patient's INS is qualified (otherwise nothing may be sent).
    """
    from conformance.socles.mssante.api import sent_to_patient

    action = share_action(done, patient, to_patient_mssante=True)
    qualified = bool(patient.get("qualified"))
    sent = sent_to_patient(mss, action, patient, expect_traffic=qualified, prescription_number=done.assigned)
    return MssShare(sent, done.assigned, patient)
