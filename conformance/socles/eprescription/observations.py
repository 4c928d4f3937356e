"""The e-prescription scenarios' observations and their judges (see `conformance.observations`).

What the DUI answered, what the stand-in service registered, refused or cancelled, and what it shared,
recorded as facts; the judges compute the verdict from them, so re-judging the evidence computes it
again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from conformance.model import Verdict
from conformance.observations import Judged, moot, observes, register_reader

from .messages import M, either

SOCLE = "eprescription"
register_reader(SOCLE)
MISSING = {  # what a step may lack (facts["missing"])
    "step.no-bundle": M.text("step.no-bundle"),
    "step.no-number": M.text("step.no-number"),
    "step.no-pdf": M.text("step.no-pdf"),
}
PARTS = {"dmp": M.text("share.to-dmp"), "mssante": M.text("share.to-patient")}  # the parts of the share verb


def refusal_reported(status: str, detail: str, said: Sequence[str]) -> bool:
    """EP-26: a refused request is answered error/refused and the user sees what the service said."""
    if status == "ok" or not detail.strip():
        return False
    return not said or any(s in detail for s in said)


@observes(SOCLE, "step.silence")
def silence(facts: Mapping[str, Any]) -> Judged:
    """Nothing to judge: each requirement fails with what is missing and what the DUI answered."""
    missing = MISSING[str(facts["missing"])]
    if facts["present"]:
        return moot(facts["present"])
    return False, missing + M.text("answer", status=facts["status"], detail=str(facts["detail"])[:300])


@observes(SOCLE, "step.number-reported", "EP-25")
def number_reported(facts: Mapping[str, Any]) -> Judged:
    if facts["said"] == facts["number"]:
        return True, M.text("step.number-reported", number=facts["number"])
    return False, M.text("step.number-other", said=facts["said"], number=facts["number"])


@observes(SOCLE, "prescribe.two-numbers", "EP-25")
def two_numbers(facts: Mapping[str, Any]) -> Judged:
    first, second = str(facts["first"]), str(facts["second"])
    return bool(first) and first != second, M.text("prescribe.two-numbers", first=first, second=second)


@observes(SOCLE, "prescribe.condition", "EP-07")
def condition_kept(facts: Mapping[str, Any]) -> Judged:
    if any(str(facts["condition"]) in str(t) for t in facts["texts"] or []):
        return True, M.text("prescribe.condition")
    return False, M.text("prescribe.no-condition")


@observes(SOCLE, "cancel.done", "EP-27")
def cancelled(facts: Mapping[str, Any]) -> Judged:
    number = str(facts["number"])
    calls = [c for c in facts["calls"] or [] if isinstance(c, dict)]
    done = any(c.get("status") == 200 and c.get("number") == number for c in calls)
    if number and facts["status"] == "ok" and facts["service_status"] == "cancelled" and done:
        return True, M.text("cancel.done", number=number)
    return False, M.text(
        "cancel.not-done",
        number=either(number, "cancel.nothing-registered"),
        status=facts["status"],
        service_status=facts["service_status"],
        calls=len(calls),
    )


@observes(SOCLE, "cancel.twice", "EP-26")
def second_cancel_reported(facts: Mapping[str, Any]) -> Judged:
    number, detail = str(facts["number"]), str(facts["detail"])
    if number and not facts["refusals"]:  # the service never refused: there was no refusal to report
        return Verdict.NOT_APPLICABLE, M.text("cancel.nothing-refused")
    if number and facts["first_status"] == "ok" and refusal_reported(facts["status"], detail, facts["said"]):
        return True, M.text("cancel.second-reported", detail=detail[:200])
    return False, M.text(
        "cancel.second-not-reported",
        number=number,
        status=facts["status"],
        detail=detail[:200],
        refusals=facts["refusals"],
    )


@observes(SOCLE, "refusal.reported", "EP-26")
def refusal_is_reported(facts: Mapping[str, Any]) -> Judged:
    detail = str(facts["detail"])
    if refusal_reported(facts["status"], detail, facts["said"]) and not facts["assigned"]:
        return True, M.text("refusal.reported", detail=detail[:200])
    statuses, said = facts["statuses"], facts["said"]
    return False, M.text(
        "refusal.not-reported", statuses=statuses, status=facts["status"], detail=detail[:300], said=said
    )


@observes(SOCLE, "share.unregistered", "EP-23")
def share_registered(facts: Mapping[str, Any]) -> Judged:
    """The ordonnance to share must exist: else EP-23 fails, the prescription step did not register it."""
    if facts["status"] == "ok" and facts["number"]:
        return moot(1)
    return False, M.text(
        "share.unregistered",
        status=facts["status"],
        detail=str(facts["detail"])[:200],
        number=either(str(facts["number"]), "none"),
    )


@observes(SOCLE, "share.part-reported", "EP-23")
def part_reported(facts: Mapping[str, Any]) -> Judged:
    what = PARTS[str(facts["part"])]
    if facts["status"] == "ok":
        return True, M.text("share.reported", what=what)
    return False, M.text("share.reported-failure", what=what, detail=str(facts["detail"])[:200])


@observes(SOCLE, "share.nothing-fed", "EP-23")
def nothing_fed(facts: Mapping[str, Any]) -> Judged:
    if facts["feeds"]:
        return moot(facts["feeds"])
    answer = M.text("answer", status=facts["status"], detail=str(facts["detail"])[:200])
    return False, M.text("share.nothing-fed") + answer


@observes(SOCLE, "share.no-lot", "EP-23")
def no_lot(facts: Mapping[str, Any]) -> Judged:
    return (moot(1)) if facts["envelope"] else (False, M.text("share.no-lot"))


@observes(SOCLE, "share.nothing-reached", "EP-23")
def nothing_reached(facts: Mapping[str, Any]) -> Judged:
    return moot(facts["messages"]) if facts["messages"] else (False, M.text("share.nothing-reached"))


@observes(SOCLE, "share.submitted", "EP-23")
def submitted(facts: Mapping[str, Any]) -> Judged:
    address = str(facts["address"]).lower()
    if any(address in {str(r).lower() for r in rcpts} for rcpts in facts["rcpts"]):
        return True, M.text("share.submitted", address=facts["address"])
    return False, M.text("share.not-submitted", address=facts["address"], rcpts=facts["rcpts"])


@observes(SOCLE, "share.refused", "EP-23")
def share_refused(facts: Mapping[str, Any]) -> Judged:
    detail = str(facts["detail"])
    ok = (
        facts["status"] == "refused"
        and facts["part_status"] == "refused"
        and bool(detail.strip())
        and not facts["messages"]
    )
    if ok:
        return True, M.text("share.refused", detail=detail)
    return False, M.text(
        "share.not-refused", status=facts["status"], detail=detail, count=facts["messages"], rcpts=facts["rcpts"]
    )
