"""The DMP scenarios' observations and their judges (see `conformance.observations`).

What the DUI answered and what reached the mock DMP, recorded as facts; the judges compute the verdict
from them, so re-judging the evidence computes it again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance.model import Verdict
from conformance.observations import Judged, moot, observes, register_reader

from .messages import M

SOCLE = "dmp"
register_reader(SOCLE)
UNTRUSTED_SERVERS = {"rogue-ca": M.text("transport.rogue-ca"), "expired": M.text("transport.expired")}


@observes(SOCLE, "feed.nothing-reached")
def nothing_reached(facts: Mapping[str, Any]) -> Judged:
    """A step after which the mock DMP saw none of the requests it was about: every declared rule fails."""
    if facts["matching"]:
        return moot(facts["matching"])
    return False, M.text("feed.nothing-reached", status=facts["status"], detail=facts["detail"])


@observes(SOCLE, "feed.precondition")
def precondition(facts: Mapping[str, Any]) -> Judged:
    """A scenario that needs a first feed, when the DUI did not feed it: nothing to judge here (that feed
    is judged by the feeding scenarios)."""
    if facts["status"] == "ok" and facts["document"]:
        return moot(1)
    if facts["replacement"]:
        return Verdict.NOT_APPLICABLE, M.text("feed.first-version-not-fed", detail=facts["detail"])
    return Verdict.NOT_APPLICABLE, M.text("feed.nothing-fed", detail=facts["detail"])


@observes(SOCLE, "consult.search", "DMP-H04")
def search_lists(facts: Mapping[str, Any]) -> Judged:
    listed = [d.get("unique_id") for d in facts["documents"] or [] if isinstance(d, dict)]
    if facts["status"] == "ok" and facts["id"] in listed:
        return True, M.text("consult.search-lists", count=len(listed))
    return False, M.text("consult.search-misses", id=facts["id"], detail=facts["detail"])


@observes(SOCLE, "consult.retrieve", "DMP-H04")
def retrieved_same(facts: Mapping[str, Any]) -> Judged:
    if facts["status"] == "ok" and facts["sha1"] == facts["expected"]:
        return True, M.text("consult.retrieved-same", size=facts["size"])
    return False, M.text("consult.retrieved-differs", sha1=facts["sha1"], expected=facts["expected"])


@observes(SOCLE, "feed.unqualified", "DMP-I04")
def unqualified_refused(facts: Mapping[str, Any]) -> Judged:
    if facts["status"] == "refused" and not facts["requests"]:
        return True, M.text("feed.unqualified-refused", detail=facts["detail"])
    return False, M.text("feed.unqualified-reached", status=facts["status"], count=facts["requests"])


@observes(SOCLE, "transport.server", "DMP-H01")
def untrusted_server_refused(facts: Mapping[str, Any]) -> Judged:
    label = UNTRUSTED_SERVERS[str(facts["variant"])]
    if facts["status"] != "ok" and not facts["requests"]:
        return True, label + M.text("transport.server-refused", detail=str(facts["detail"])[:160])
    return False, label + M.text("transport.server-reached", status=facts["status"], count=facts["requests"])
