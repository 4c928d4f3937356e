"""The MSSanté scenarios' observations and their judges (see `conformance.observations`).

A scenario records what it saw (the DUI's answer, what the operator received, what the DUI reported
about its inbox) as facts; the judges below compute the verdict from those facts, so re-judging the
evidence computes it again. Each judge reads only its facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance.observations import Judged, moot, observes, register_reader

from .messages import M

SOCLE = "mssante"
register_reader(SOCLE)

# what the server does wrong in each transport variant (facts["variant"] -> its wording)
VARIANTS = {
    "rogue-ca": M.text("variant.rogue-ca"),
    "expired": M.text("variant.expired"),
    "revoked": M.text("variant.revoked"),
    "tls-legacy": M.text("variant.tls-legacy"),
    "weak-cipher": M.text("variant.weak-cipher"),
    "no-starttls": M.text("variant.no-starttls"),
}
# why nothing may reach a usager's address (facts["why"])
NOT_TO_USAGER = {
    "to-usager.unqualified": M.text("to-usager.unqualified"),
    "to-usager.invisible": M.text("to-usager.invisible"),
    "to-usager.opposition": M.text("to-usager.opposition"),
}


def entry(items: Any, message_id: str) -> dict[str, Any]:
    """The DUI's report about one message ({} when it says nothing about it)."""
    found = [i for i in items or [] if isinstance(i, dict) and i.get("message_id") == message_id]
    return found[0] if found else {}


def _refused(facts: Mapping[str, Any]) -> bool:
    return facts["status"] != "ok" and not facts["messages"]


@observes(SOCLE, "sent.nothing")
def nothing_sent(facts: Mapping[str, Any]) -> Judged:
    """A sending step after which the operator received nothing: every declared rule fails."""
    if facts["messages"]:
        return moot(facts["messages"])
    return False, M.text("sent.nothing", status=facts["status"], detail=facts["detail"])


@observes(SOCLE, "limits.oversize", "MSS-SIZE-01")
def oversize(facts: Mapping[str, Any]) -> Judged:
    ok = facts["status"] in ("refused", "error") and not facts["messages"]
    if ok:
        return ok, M.text("limits.oversize-refused", detail=str(facts["detail"])[:120])
    return ok, M.text("limits.oversize-accepted", status=facts["status"])


@observes(SOCLE, "limits.outside-whitelist", "MSS-NEG-01")
def outside_whitelist(facts: Mapping[str, Any]) -> Judged:
    if _refused(facts):
        return True, M.text("limits.outside-whitelist-refused")
    return False, M.text("limits.outside-whitelist-sent", status=facts["status"])


@observes(SOCLE, "limits.audit-trail", "MSS-TRC-01")
def audit_trail(facts: Mapping[str, Any]) -> Judged:
    message_id = str(facts["message_id"])
    mine = [e for e in facts["entries"] or [] if isinstance(e, dict) and e.get("message_id") == message_id]
    complete = [e for e in mine if all(str(e.get(k, "")).strip() for k in ("time", "author", "action", "request"))]
    if message_id and complete:
        return True, M.text("limits.traced", message_id=message_id, entry=complete[0])
    return False, M.text("limits.no-trace", message_id=message_id or "(no message)", entries=mine)


@observes(SOCLE, "receipts.correlated", "MSS-ACK-03")
def receipts_correlated(facts: Mapping[str, Any]) -> Judged:
    message_id = str(facts["message_id"])
    kinds = {r.get("type") for r in facts["receipts"] or [] if r.get("original_message_id") == message_id}
    if {"delivered", "read"} <= kinds:
        return True, M.text("receipts.correlated")
    return False, M.text("receipts.not-correlated", message_id=message_id, kinds=sorted(k for k in kinds if k))


@observes(SOCLE, "receive.integrated", "MSS-RCV-01")
def integrated_by_metadata(facts: Mapping[str, Any]) -> Judged:
    patient = facts["patient"]
    done = entry(facts["integrated"], facts["message_id"])
    if done and done.get("patient_ins") == patient["ins"] and done.get("record_id") == patient["record_id"]:
        return True, M.text("receive.integrated", record=patient["record_id"])
    return False, M.text(
        "receive.not-integrated",
        message_id=facts["message_id"],
        record=patient["record_id"],
        ins=patient["ins"],
        reported=done,
    )


@observes(SOCLE, "receive.unknown-rejected", "MSS-RCV-01")
def unknown_rejected(facts: Mapping[str, Any]) -> Judged:
    rejected = entry(facts["rejected"], facts["message_id"])
    integrated = entry(facts["integrated"], facts["message_id"])
    if rejected and not integrated:
        return True, M.text("receive.unknown-rejected", code=rejected.get("code") or "?")
    return False, M.text("receive.unknown-not-rejected", integrated=integrated)


@observes(SOCLE, "receive.mdn-sent", "MSS-ACK-04")
def mdn_sent(facts: Mapping[str, Any]) -> Judged:
    if facts["submissions"]:
        return True, M.text("receive.mdn-sent")
    return False, M.text("receive.no-mdn")


@observes(SOCLE, "receive.junk-integrated", "MSS-RCV-02")
def junk_integrated(facts: Mapping[str, Any]) -> Judged:
    done = entry(facts["integrated"], facts["message_id"])
    if done and done.get("patient_ins") == facts["ins"]:
        return True, M.text("receive.junk-integrated")
    return False, M.text("receive.junk-not-integrated")


@observes(SOCLE, "receive.wrong-hash", "MSS-RCV-02")
def wrong_hash_refused(facts: Mapping[str, Any]) -> Judged:
    if not entry(facts["integrated"], facts["message_id"]) and facts["status"] == "ok":
        return True, M.text("receive.wrong-hash-refused")
    return False, M.text("receive.wrong-hash-integrated")


@observes(SOCLE, "receive.prefix-hidden", "MSS-RCV-03")
def prefix_hidden(facts: Mapping[str, Any]) -> Judged:
    shown = entry(facts["inbox"], facts["message_id"])
    subject = str(shown.get("displayed_subject", "")) if shown else ""
    if shown and "XDM/1.0/DDM" not in subject and subject.strip():
        return True, M.text("receive.prefix-hidden", shown=shown.get("displayed_subject"))
    return False, M.text("receive.prefix-shown", shown=shown.get("displayed_subject") if shown else "nothing")


@observes(SOCLE, "receive.usager-flagged", "MSS-RCV-04")
def usager_flagged(facts: Mapping[str, Any]) -> Judged:
    mes = entry(facts["inbox"], facts["message_id"])
    ok = (
        bool(mes)
        and mes.get("from_patient") is True
        and mes.get("patient_ins") == facts["ins"]
        and str(facts["birth_name"]).upper() in str(mes.get("patient_name", "")).upper()
    )
    return (True, M.text("receive.usager-flagged")) if ok else (False, M.text("receive.usager-not-flagged", entry=mes))


@observes(SOCLE, "receive.professional-not-flagged", "MSS-RCV-04")
def professional_not_flagged(facts: Mapping[str, Any]) -> Judged:
    if entry(facts["inbox"], facts["message_id"]).get("from_patient") is False:
        return True, M.text("receive.professional-not-flagged")
    return False, M.text("receive.professional-flagged")


@observes(SOCLE, "to-usager.nothing-sent", "MSS-PAT-01", "MSS-PAT-03", "MSS-PAT-04")
def nothing_to_usager(facts: Mapping[str, Any]) -> Judged:
    reason = NOT_TO_USAGER[str(facts["why"])]
    if facts["status"] == "refused" and not facts["messages"]:
        return True, M.text("to-usager.refused", why=reason, detail=facts["detail"])
    return False, M.text("to-usager.sent", why=reason, status=facts["status"], count=facts["messages"])


TRANSPORT_RULES = ("MSS-TLS-01", "MSS-TLS-03", "MSS-TLS-04", "MSS-TLS-05", "MSS-TLS-06", "MSS-TLS-07")


@observes(SOCLE, "transport.refused", *TRANSPORT_RULES)
def untrustworthy_refused(facts: Mapping[str, Any]) -> Judged:
    what = VARIANTS[str(facts["variant"])]
    if _refused(facts):
        return True, M.text("transport.refused", what=what, detail=str(facts["detail"])[:120])
    return False, M.text("transport.not-refused", what=what, status=facts["status"], count=facts["messages"])


@observes(SOCLE, "transport.inbox-read", "MSS-TLS-02")
def inbox_read(facts: Mapping[str, Any]) -> Judged:
    if facts["status"] == "ok" and facts["imap_sessions"]:
        return True, M.text("transport.inbox-read")
    return False, M.text("transport.inbox-not-read", status=facts["status"], detail=facts["detail"])


@observes(SOCLE, "transport.down-reported", "MSS-CONF-02")
def down_reported(facts: Mapping[str, Any]) -> Judged:
    if facts["status"] == "error" and str(facts["detail"]):
        return True, M.text("transport.down-reported", detail=str(facts["detail"])[:120])
    return False, M.text("transport.down-not-reported", status=facts["status"], detail=facts["detail"])


@observes(SOCLE, "transport.alive-after-failure", "MSS-CONF-02")
def alive_after_failure(facts: Mapping[str, Any]) -> Judged:
    if facts["status"] != "error" or "unsupported" in str(facts["detail"]):
        return True, M.text("transport.alive-after-failure")
    return False, M.text("transport.dead-after-failure", detail=facts["detail"])


@observes(SOCLE, "transport.resumed", "MSS-CONF-02")
def resumed(facts: Mapping[str, Any]) -> Judged:
    if facts["status"] == "ok" and facts["messages"]:
        return True, M.text("transport.resumed")
    return False, M.text("transport.not-resumed", status=facts["status"], detail=facts["detail"])
