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

from conformance import identities
from conformance.drivers.base import Action, Outcome
from conformance.engine.verifier import Verifier
from conformance.levels import apply_levels
from conformance.model import Artifact, CheckContext, Finding, Verdict, failed, passed
from conformance.registry import run_checks
from conformance.requirements import catalog_for

from .fixtures import EpHarness, Prescribed

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
    to itself (they are not that socle's verdicts): `judge` turns its failures into EP-23 findings."""

    def __init__(self, verify: Verifier, socle: str) -> None:
        checked = [r.id for r in catalog_for(socle).requirements.values() if r.checked]
        super().__init__(verify.recorder, verify.nodeid, socle, checked)
        self.outer = verify

    def artifact(self, art: Artifact, ctx: CheckContext | None = None, *, only_declared: bool = True) -> list[Finding]:
        """The other socle's checks on `art`; the evidence is tagged EP-23, what they judge here."""
        ref = art.meta.get("evidence_ref") or self.recorder.journal.record(art.kind, art.name, art.data)
        found = run_checks(art, ctx or CheckContext(), [self.socle], evidence=ref.sha256)
        self.recorder.journal.tag(ref, [RID])
        return self.record([f for f in found if not only_declared or f.requirement in self.declared])

    def record(self, findings: list[Finding]) -> list[Finding]:
        leveled = apply_levels(findings)  # a failed PRECONISATION of the other socle stays a warning
        self.findings.extend(leveled)
        return leveled

    def judge(self, what_en: str, what_fr: str) -> None:
        bad = [f for f in self.findings if f.verdict is Verdict.FAIL]
        out = [
            replace(
                failed(
                    RID,
                    f"{what_en} breaks {f.requirement} ({self.socle}): {f.message_en}",
                    f"{what_fr} enfreint {f.requirement} ({self.socle}) : {f.message_fr}",
                    f.location,
                ),
                evidence=f.evidence,
            )
            for f in bad
        ]
        if not out:
            rules = sorted({f.requirement for f in self.findings if f.verdict is not Verdict.NOT_APPLICABLE})
            warns = sorted({f.requirement for f in self.findings if f.verdict is Verdict.WARN})
            shown = f"; warnings: {', '.join(warns)}" if warns else ""
            out = [
                passed(
                    RID,
                    f"{what_en} meets the {self.socle} rules judged on it ({len(rules)} rules, "
                    f"{len(self.findings)} findings, no failing EXIGENCE{shown})",
                    f"{what_fr} respecte les règles {self.socle} évaluées ({len(rules)} règles, aucune "
                    f"EXIGENCE en échec{shown.replace('warnings', 'avertissements')})",
                    f"{self.socle} checks",
                )
            ]
        self.outer.record(out)


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
    verify.expect(
        RID,
        False,
        f"no registered ordonnance to share (prescribe answered {done.outcome.status} "
        f"{done.outcome.detail[:200]}; number assigned: {done.assigned or 'none'})",
        "aucune ordonnance enregistrée à partager (la prescription a échoué)",
        location="driver outcome + service traffic",
        evidence=done.outcome.to_json(),
    )
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


def expect_part_ok(verify: Verifier, outcome: Outcome, part: str, en: str, fr: str) -> Outcome:
    got = part_outcome(outcome, part)
    verify.expect(
        RID,
        got.ok,
        f"the DUI reports {en}: {got.detail[:200]}",
        f"le DUI annonce {fr} : {got.detail[:200]}",
        en_ok=f"the DUI reports {en}",
        fr_ok=f"le DUI annonce {fr}",
        location=f"driver outcome: data.{part}",
        evidence=outcome.to_json(),
    )
    return got


@dataclass
class DmpShare:
    """The ordonnance fed to the DMP: the DUI's answer and what the mock DMP captured meanwhile."""

    outcome: Outcome
    fed: Any  # conformance.socles.dmp.api.Fed
    number: str
    patient: dict[str, Any]

    def check(self, verify: Verifier) -> None:
        expect_part_ok(verify, self.outcome, "dmp", "the ordonnance fed to the DMP", "l'ordonnance versée au DMP")
        # the DUI may ask the DMP other things first (TD0.2 status, ITI-18): the ordonnance is in the ITI-41 feeds
        feeds = [ex for ex in self.fed.exchanges if getattr(ex, "transaction", "ITI-41") == "ITI-41"]
        if not feeds:
            verify.expect(
                RID,
                False,
                f"no document was fed to the DMP (answer: {self.outcome.status} {self.outcome.detail[:200]})",
                "aucun document versé au DMP",
                location="DMP traffic",
                evidence=self.outcome.to_json(),
            )
            return
        ctx = CheckContext(patient=self.patient, extra={"prescription_number": self.number})
        for ex in feeds:
            if ex.envelope:
                verify.artifact(
                    Artifact(
                        "xds-metadata", f"{ex.request_ref.path}#envelope", ex.envelope, {"documents": ex.documents}
                    ),
                    ctx,
                )
            else:
                verify.expect(
                    RID,
                    False,
                    "the request the DMP received carries no readable XDS lot",
                    "la requête reçue par le DMP ne porte aucun lot XDS lisible",
                    location=ex.request_ref.path,
                    evidence=ex.request_ref,
                )
        rules = OtherSocleRules(verify, "dmp")
        self.fed.check(rules)
        rules.judge("the ordonnance fed to the DMP", "l'ordonnance versée au DMP")


def share_to_dmp(ep: EpHarness, dmp: Any, done: Prescribed, patient: dict[str, Any]) -> DmpShare:
    from conformance.socles.dmp.api import Fed

    mark = dmp.service.log.mark()
    outcome = ep.dui.act(share_action(done, patient, to_dmp=True))
    exchanges = dmp.service.log.since(mark)
    if outcome.ok and not exchanges:  # a remote DUI may answer before its request is processed
        exchanges = dmp.service.log.wait(mark, float(getattr(ep.dui, "traffic_timeout", 10.0)))
    # the context the DMP suite judges a feed with (conformance.socles.dmp.fixtures.DmpHarness.feed)
    ctx = CheckContext(
        patient=patient,
        extra={"ca_bundle": str(dmp.service.pki.ca_bundle), "batch_feed": True, "facility_type": "SA17"},
    )
    return DmpShare(outcome, Fed(part_outcome(outcome, "dmp"), exchanges, ctx), done.assigned, patient)


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

    def to_patient(self) -> list[Any]:
        return [s for s in self.sent.messages if self.address.lower() in {r.lower() for r in s.rcpts}]

    def judge_messages(self, verify: Verifier) -> None:
        from conformance.socles.mssante.api import message_artifact

        for sub in self.sent.messages:
            verify.artifact(message_artifact(sub), self.sent.ctx)

    def check_sent(self, verify: Verifier) -> None:
        """Qualified INS: the ordonnance reaches the operator for the patient's address, with its PDF."""
        expect_part_ok(
            verify,
            self.sent.outcome,
            "mssante",
            "the ordonnance sent to the patient",
            "l'ordonnance envoyée au patient",
        )
        if not self.sent.messages:
            verify.expect(
                RID,
                False,
                "nothing reached the MSSanté operator",
                "rien n'a atteint l'opérateur MSSanté",
                location="operator traffic",
                evidence=self.sent.outcome.to_json(),
            )
            return
        delivered = self.to_patient()
        verify.expect(
            RID,
            bool(delivered),
            f"no message was submitted for {self.address} (envelope recipients: "
            f"{[s.rcpts for s in self.sent.messages]})",
            f"aucun message soumis pour {self.address}",
            en_ok=f"submitted to the operator for {self.address} (SMTP RCPT TO)",
            fr_ok=f"soumis à l'opérateur pour {self.address} (SMTP RCPT TO)",
            location="SMTP envelope",
            evidence=self.sent.outcome.to_json(),
        )
        self.judge_messages(verify)
        rules = OtherSocleRules(verify, "mssante")
        self.sent.check(rules)
        rules.judge("the ordonnance sent by MSSanté", "l'ordonnance envoyée par MSSanté")

    def check_refused(self, verify: Verifier) -> None:
        """INS not qualified: nothing reaches the operator and the DUI says why (refused)."""
        got = part_outcome(self.sent.outcome, "mssante")
        ok = (
            self.sent.outcome.status == "refused"
            and got.status == "refused"
            and bool(got.detail.strip())
            and not self.sent.messages
        )
        verify.expect(
            RID,
            ok,
            f"INS not qualified: the DUI answered {self.sent.outcome.status} "
            f"({got.detail[:200]}) and {len(self.sent.messages)} message(s) reached the operator "
            f"(envelope recipients: {[s.rcpts for s in self.sent.messages]})",
            f"INS non qualifiée : le DUI a répondu {self.sent.outcome.status} ({got.detail[:200]}) et "
            f"{len(self.sent.messages)} message(s) ont atteint l'opérateur",
            en_ok=f"INS not qualified: refused, nothing sent ({got.detail[:200]})",
            fr_ok=f"INS non qualifiée : refus, rien n'est envoyé ({got.detail[:200]})",
            location="driver outcome + operator traffic",
            evidence=self.sent.outcome.to_json(),
        )
        self.judge_messages(verify)  # what was sent anyway is judged too (its address rule fails)


def share_to_patient(ep: EpHarness, mss: Any, done: Prescribed, patient: dict[str, Any]) -> MssShare:
    from conformance.socles.mssante.api import NIL

    qualified = bool(patient.get("qualified"))
    ctx = CheckContext(
        expected_nil=NIL,
        sender_bal_type=mss.settings["bal"]["type"],
        to_patient=True,
        patient=patient,
        whitelist=tuple(identities.whitelist()),
        extra={"prescription_number": done.assigned},
    )
    sent = mss.act_and_capture(share_action(done, patient, to_patient_mssante=True), expect_traffic=qualified, ctx=ctx)
    return MssShare(sent, done.assigned, patient)
