"""Every observation judge of the three socles: it passes on the facts of a good DUI, fails on a bad one's.

Each row: (socle, rule, requirement, facts a good DUI produces, the same facts from a faulty DUI, the
verdict a good DUI gets). A judge whose facts say there is something to judge after all answers
"not applicable" (the things themselves are judged).
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance.model import Verdict
from conformance.observations import Observation, kind_of
from conformance.registry import all_checks, run_checks
from conformance.socle import load_all_checks

P = Verdict.PASS
NA = Verdict.NOT_APPLICABLE
OK = {"status": "ok", "detail": "", "messages": 1}
REFUSED = {"status": "refused", "detail": "refusé : INS non qualifiée", "messages": 0}
INBOX = [
    {"message_id": "<a@x>", "displayed_subject": "Lettre de liaison", "from_patient": False},
    {"message_id": "<b@x>", "from_patient": True, "patient_ins": "1", "patient_name": "ESSAI Marie"},
]
BAD_INBOX = [
    {"message_id": "<a@x>", "displayed_subject": "XDM/1.0/DDM+Lettre", "from_patient": True},
    {"message_id": "<b@x>", "from_patient": False},
]

ROWS: list[tuple[str, str, str, dict[str, Any], dict[str, Any], Verdict]] = [
    ("mssante", "sent.nothing", "MSS-MSG-01", {**REFUSED, "messages": 2}, REFUSED, NA),
    ("mssante", "limits.oversize", "MSS-SIZE-01", REFUSED, OK, P),
    ("mssante", "limits.outside-whitelist", "MSS-NEG-01", REFUSED, OK, P),
    (
        "mssante",
        "limits.audit-trail",
        "MSS-TRC-01",
        {
            "message_id": "<m>",
            "entries": [{"message_id": "<m>", "time": "t", "author": "a", "action": "s", "request": "r"}],
        },
        {"message_id": "<m>", "entries": [{"message_id": "<m>", "time": "t"}]},
        P,
    ),
    (
        "mssante",
        "receipts.correlated",
        "MSS-ACK-03",
        {"message_id": "<m>", "receipts": [{"original_message_id": "<m>", "type": t} for t in ("delivered", "read")]},
        {"message_id": "<m>", "receipts": [{"original_message_id": "<other>", "type": "read"}]},
        P,
    ),
    (
        "mssante",
        "receive.integrated",
        "MSS-RCV-01",
        {
            "message_id": "<m>",
            "patient": {"ins": "1", "record_id": "R"},
            "integrated": [{"message_id": "<m>", "patient_ins": "1", "record_id": "R"}],
        },
        {
            "message_id": "<m>",
            "patient": {"ins": "1", "record_id": "R"},
            "integrated": [{"message_id": "<m>", "patient_ins": "1", "record_id": "S"}],
        },
        P,
    ),
    (
        "mssante",
        "receive.unknown-rejected",
        "MSS-RCV-01",
        {"message_id": "<m>", "rejected": [{"message_id": "<m>", "code": "902"}], "integrated": []},
        {"message_id": "<m>", "rejected": [], "integrated": [{"message_id": "<m>"}]},
        P,
    ),
    ("mssante", "receive.mdn-sent", "MSS-ACK-04", {"submissions": 1}, {"submissions": 0}, P),
    (
        "mssante",
        "receive.junk-integrated",
        "MSS-RCV-02",
        {"message_id": "<m>", "ins": "1", "integrated": [{"message_id": "<m>", "patient_ins": "1"}]},
        {"message_id": "<m>", "ins": "1", "integrated": []},
        P,
    ),
    (
        "mssante",
        "receive.wrong-hash",
        "MSS-RCV-02",
        {"message_id": "<m>", "status": "ok", "integrated": []},
        {"message_id": "<m>", "status": "ok", "integrated": [{"message_id": "<m>"}]},
        P,
    ),
    (
        "mssante",
        "receive.prefix-hidden",
        "MSS-RCV-03",
        {"message_id": "<a@x>", "inbox": INBOX},
        {"message_id": "<a@x>", "inbox": BAD_INBOX},
        P,
    ),
    (
        "mssante",
        "receive.usager-flagged",
        "MSS-RCV-04",
        {"message_id": "<b@x>", "inbox": INBOX, "ins": "1", "birth_name": "Essai"},
        {"message_id": "<b@x>", "inbox": BAD_INBOX, "ins": "1", "birth_name": "Essai"},
        P,
    ),
    (
        "mssante",
        "receive.professional-not-flagged",
        "MSS-RCV-04",
        {"message_id": "<a@x>", "inbox": INBOX},
        {"message_id": "<a@x>", "inbox": BAD_INBOX},
        P,
    ),
    (
        "mssante",
        "to-usager.nothing-sent",
        "MSS-PAT-01",
        {**REFUSED, "why": "to-usager.unqualified"},
        {**OK, "why": "to-usager.unqualified"},
        P,
    ),
    (
        "mssante",
        "transport.refused",
        "MSS-TLS-05",
        {**REFUSED, "variant": "rogue-ca"},
        {**OK, "variant": "rogue-ca"},
        P,
    ),
    (
        "mssante",
        "transport.inbox-read",
        "MSS-TLS-02",
        {"status": "ok", "detail": "", "imap_sessions": 1},
        {"status": "ok", "detail": "", "imap_sessions": 0},
        P,
    ),
    (
        "mssante",
        "transport.down-reported",
        "MSS-CONF-02",
        {"status": "error", "detail": "injoignable"},
        {"status": "ok", "detail": ""},
        P,
    ),
    (
        "mssante",
        "transport.alive-after-failure",
        "MSS-CONF-02",
        {"status": "ok", "detail": ""},
        {"status": "error", "detail": "bloqué"},
        P,
    ),
    ("mssante", "transport.resumed", "MSS-CONF-02", OK, {"status": "error", "detail": "x", "messages": 0}, P),
    (
        "dmp",
        "feed.nothing-reached",
        "DMP-T01",
        {"status": "ok", "detail": "", "matching": 1},
        {"status": "error", "detail": "", "matching": 0},
        NA,
    ),
    (
        "dmp",
        "consult.search",
        "DMP-H04",
        {"status": "ok", "detail": "", "id": "1.2", "documents": [{"unique_id": "1.2"}]},
        {"status": "ok", "detail": "", "id": "1.2", "documents": [{"unique_id": "9.9"}]},
        P,
    ),
    (
        "dmp",
        "consult.retrieve",
        "DMP-H04",
        {"status": "ok", "sha1": "a", "expected": "a", "size": 3},
        {"status": "ok", "sha1": "b", "expected": "a", "size": 3},
        P,
    ),
    (
        "dmp",
        "feed.unqualified",
        "DMP-I04",
        {"status": "refused", "detail": "x", "requests": 0},
        {"status": "ok", "detail": "", "requests": 2},
        P,
    ),
    (
        "dmp",
        "transport.server",
        "DMP-H01",
        {"variant": "expired", "status": "error", "detail": "x", "requests": 0},
        {"variant": "expired", "status": "ok", "detail": "", "requests": 1},
        P,
    ),
    (
        "eprescription",
        "step.silence",
        "EP-01",
        {"missing": "step.no-bundle", "present": 1, "status": "ok", "detail": ""},
        {"missing": "step.no-bundle", "present": 0, "status": "ok", "detail": ""},
        NA,
    ),
    (
        "eprescription",
        "step.number-reported",
        "EP-25",
        {"said": "N1", "number": "N1"},
        {"said": "N2", "number": "N1"},
        P,
    ),
    (
        "eprescription",
        "prescribe.two-numbers",
        "EP-25",
        {"first": "N1", "second": "N2"},
        {"first": "N1", "second": "N1"},
        P,
    ),
    (
        "eprescription",
        "prescribe.condition",
        "EP-07",
        {"condition": "si douleur", "texts": ["si douleur"]},
        {"condition": "si douleur", "texts": []},
        P,
    ),
    (
        "eprescription",
        "cancel.done",
        "EP-27",
        {"number": "N", "status": "ok", "service_status": "cancelled", "calls": [{"status": 200, "number": "N"}]},
        {"number": "N", "status": "ok", "service_status": "active", "calls": []},
        P,
    ),
    (
        "eprescription",
        "cancel.twice",
        "EP-26",
        {
            "number": "N",
            "first_status": "ok",
            "status": "error",
            "detail": "refus EP-X",
            "refusals": 1,
            "said": ["EP-X"],
        },
        {"number": "N", "first_status": "ok", "status": "ok", "detail": "", "refusals": 1, "said": ["EP-X"]},
        P,
    ),
    (
        "eprescription",
        "refusal.reported",
        "EP-26",
        {"statuses": [422], "status": "error", "detail": "EP-04 refusé", "said": ["EP-04"], "assigned": ""},
        {"statuses": [422], "status": "ok", "detail": "", "said": ["EP-04"], "assigned": "N"},
        P,
    ),
    (
        "eprescription",
        "share.unregistered",
        "EP-23",
        {"status": "ok", "detail": "", "number": "N"},
        {"status": "error", "detail": "x", "number": ""},
        NA,
    ),
    (
        "eprescription",
        "share.part-reported",
        "EP-23",
        {"part": "dmp", "status": "ok", "detail": ""},
        {"part": "dmp", "status": "error", "detail": "x"},
        P,
    ),
    (
        "eprescription",
        "share.nothing-fed",
        "EP-23",
        {"status": "ok", "detail": "", "feeds": 1},
        {"status": "ok", "detail": "", "feeds": 0},
        NA,
    ),
    ("eprescription", "share.no-lot", "EP-23", {"envelope": True}, {"envelope": False}, NA),
    ("eprescription", "share.nothing-reached", "EP-23", {"messages": 1}, {"messages": 0}, NA),
    (
        "eprescription",
        "share.submitted",
        "EP-23",
        {"address": "a@p.fr", "rcpts": [["A@p.fr"]]},
        {"address": "a@p.fr", "rcpts": [["b@p.fr"]]},
        P,
    ),
    (
        "eprescription",
        "share.refused",
        "EP-23",
        {"status": "refused", "part_status": "refused", "detail": "INS", "messages": 0, "rcpts": []},
        {"status": "ok", "part_status": "ok", "detail": "", "messages": 1, "rcpts": [["a@p.fr"]]},
        P,
    ),
]


def _verdicts(socle: str, rule: str, rid: str, facts: dict[str, Any]) -> list[Verdict]:
    load_all_checks()
    art = Observation(rule, rid, facts, "scenario").artifact(socle)
    return [f.verdict for f in run_checks(art, socles=[socle])]


@pytest.mark.parametrize(("socle", "rule", "rid", "good", "bad", "verdict"), ROWS, ids=[f"{r[0]}:{r[1]}" for r in ROWS])
def test_each_judge_passes_the_good_facts_and_fails_the_bad(
    request: pytest.FixtureRequest, socle: str, rule: str, rid: str, good: dict, bad: dict, verdict: Verdict
) -> None:
    request.node.add_marker(pytest.mark.requirements(rid))
    assert _verdicts(socle, rule, rid, good) == [verdict]
    assert _verdicts(socle, rule, rid, bad) == [Verdict.FAIL]


def test_every_judge_has_a_row() -> None:
    load_all_checks()
    judges = {(c.socle, c.name.rsplit(".", 1)[1]) for c in all_checks() if c.kind == kind_of(c.socle)}
    judges = {j for j in judges if j[0] in ("mssante", "dmp", "eprescription")}
    tested = set()
    for socle, rule, rid, good, _, _ in ROWS:
        art = Observation(rule, rid, good, "").artifact(socle)
        for c in all_checks():
            if c.kind == art.kind and c.socle == socle and list(c.fn(Observation(rule, rid, good, ""), None)):  # type: ignore[arg-type]
                tested.add((socle, c.name.rsplit(".", 1)[1]))
    assert judges - tested == {("dmp", "precondition")} or judges <= tested, sorted(judges - tested)


@pytest.mark.requirements("DMP-H04")
def test_a_missing_precondition_is_not_applicable() -> None:
    facts = {"status": "error", "detail": "x", "document": "", "replacement": False}
    assert _verdicts("dmp", "feed.precondition", "DMP-H04", facts) == [Verdict.NOT_APPLICABLE]
