"""Rules judged on a sequence of calls the DUI made, not on one message.

Kind "dmp-step" (DMP-R02): JSON `{"ins", "dmp_status": active|closed|none, "outcome",
"exchanges": [{"seq", "transaction", "status", "query"}]}`: the DUI's traffic during one feed,
in the order the mock DMP answered it, and the true state of the patient's DMP. Before an ITI-41
feed the DUI checks the DMP with TD0.2; it never feeds a DMP that is closed or absent.

Kind "dmp-chain" (DMP-H03): JSON `{"old", "new", "documents": [{unique_id, entry_uuid, status}],
"associations": [{type, source, target}], "lookups": [{seq, query, params, status}],
"replacing_feed_seq"}`: what the registry holds after a replacement and how the DUI found the
entryUUID it targeted. Both are read by `readers` (an unreadable observation fails its rule).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

from conformance.formats.ebrim import RPLC
from conformance.model import CheckContext, Finding
from conformance.registry import check

from ..messages import M
from .collector import Collector

R02, H03 = "DMP-R02", "DMP-H03"


@check("dmp-step", "dmp", R02)
def check_status_before_feed(obs: dict[str, Any], ctx: CheckContext) -> Iterable[Finding]:
    out = Collector()
    ins = str(obs.get("ins") or "")
    exchanges = [e for e in obs.get("exchanges") or [] if isinstance(e, dict)]
    checks = [e for e in exchanges if e.get("transaction") == "TD0.2" and ins and ins in unquote(str(e.get("query")))]
    feeds = [e for e in exchanges if e.get("transaction") == "ITI-41"]
    state = str(obs.get("dmp_status") or "none")
    loc = "DUI traffic to the DMP"
    if state != "active":
        if feeds:
            out.fail(R02, M.text("step.fed-inactive", count=len(feeds), state=state), loc)
        if not checks:
            out.fail(R02, M.text("step.no-check"), loc)
        out.cover(R02, M.text("step.inactive-ok", state=state), loc)
        return out.finish()
    if not feeds:
        out.not_applicable(R02, M.text("step.nothing-fed"), loc)
        return out.finish()
    first = min(int(e.get("seq", 0)) for e in feeds)
    if not any(int(e.get("seq", 0)) < first for e in checks):
        out.fail(R02, M.text("step.unchecked-feed"), loc)
    out.cover(R02, M.text("step.ok"), loc)
    return out.finish()


@check("dmp-chain", "dmp", H03)
def check_replacement_chain(obs: dict[str, Any], ctx: CheckContext) -> Iterable[Finding]:
    out = Collector()
    docs = {str(d.get("unique_id")): d for d in obs.get("documents") or [] if isinstance(d, dict)}
    old, new = docs.get(str(obs.get("old"))), docs.get(str(obs.get("new")))
    loc = "DMP registry after the replacement"
    if new is None:
        out.fail(H03, M.text("chain.new-missing", id=obs.get("new")), loc)
    elif not str(new.get("status")).endswith("Approved"):
        out.fail(H03, M.text("chain.new-status", status=new.get("status")), loc)
    if old is None:
        out.fail(H03, M.text("chain.old-missing", id=obs.get("old")), loc)
    elif not str(old.get("status")).endswith("Deprecated"):
        out.fail(H03, M.text("chain.old-status", status=old.get("status")), loc)
    if old is not None and new is not None:
        links = [
            a
            for a in obs.get("associations") or []
            if isinstance(a, dict)
            and a.get("type") == RPLC
            and a.get("source") == new.get("entry_uuid")
            and a.get("target") == old.get("entry_uuid")
        ]
        if len(links) != 1:
            out.fail(H03, M.text("chain.rplc-count", count=len(links)), loc)
    feed_seq = obs.get("replacing_feed_seq")
    lookups = [
        q
        for q in obs.get("lookups") or []
        if isinstance(q, dict)
        and str(q.get("status")) == "Success"
        and (feed_seq is None or int(q.get("seq", 0)) < int(feed_seq))
    ]
    if not lookups:
        out.fail(H03, M.text("chain.no-lookup"), "DUI traffic to the DMP")
    out.cover(H03, M.text("chain.ok"), loc)
    return out.finish()
