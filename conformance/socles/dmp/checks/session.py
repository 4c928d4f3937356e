"""Rules judged on a sequence of calls the DUI made, not on one message.

Kind "dmp-step" (DMP-R02): JSON `{"ins", "dmp_status": active|closed|none, "outcome",
"exchanges": [{"seq", "transaction", "status", "query"}]}`: the DUI's traffic during one feed,
in the order the mock DMP answered it, and the true state of the patient's DMP. Before an ITI-41
feed the DUI checks the DMP with TD0.2; it never feeds a DMP that is closed or absent.

Kind "dmp-chain" (DMP-H03): JSON `{"old", "new", "documents": [{unique_id, entry_uuid, status}],
"associations": [{type, source, target}], "lookups": [{seq, query, params, status}],
"replacing_feed_seq"}`: what the registry holds after a replacement and how the DUI found the
entryUUID it targeted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

from conformance.formats.ebrim import RPLC
from conformance.model import Artifact, CheckContext, Finding
from conformance.registry import check

from .collector import Collector


def _load(artifact: Artifact, rid: str, out: Collector) -> dict[str, Any] | None:
    try:
        data = json.loads(artifact.data)
    except (ValueError, UnicodeDecodeError) as exc:
        out.fail(rid, f"unreadable observation: {exc}", f"observation illisible : {exc}", artifact.name)
        return None
    if not isinstance(data, dict):
        out.fail(rid, "observation is not a JSON object", "l'observation n'est pas un objet JSON", artifact.name)
        return None
    return data


@check("dmp-step", "dmp")
def check_status_before_feed(artifact: Artifact, ctx: CheckContext) -> Iterable[Finding]:
    out = Collector(evidence=artifact.sha256)
    obs = _load(artifact, "DMP-R02", out)
    if obs is None:
        return out.finish()
    ins = str(obs.get("ins") or "")
    exchanges = [e for e in obs.get("exchanges") or [] if isinstance(e, dict)]
    checks = [e for e in exchanges if e.get("transaction") == "TD0.2" and ins and ins in unquote(str(e.get("query")))]
    feeds = [e for e in exchanges if e.get("transaction") == "ITI-41"]
    state = str(obs.get("dmp_status") or "none")
    loc = "DUI traffic to the DMP"
    if state != "active":
        if feeds:
            out.fail(
                "DMP-R02",
                f"the DUI sent {len(feeds)} ITI-41 feed(s) to a DMP that is {state}",
                f"le DUI a envoyé {len(feeds)} versement(s) ITI-41 à un DMP {state}",
                loc,
            )
        if not checks:
            out.fail(
                "DMP-R02",
                "the DUI did not check the DMP's status (no TD0.2 call for this INS)",
                "le DUI n'a pas vérifié le statut du DMP (aucun appel TD0.2 pour cet INS)",
                loc,
            )
        out.cover(
            "DMP-R02",
            f"DMP {state}: checked by TD0.2, nothing fed",
            f"DMP {state} : vérifié par TD0.2, aucun versement",
            loc,
        )
        return out.finish()
    if not feeds:
        out.not_applicable("DMP-R02", "nothing was fed in this step", "aucun versement dans cette étape", loc)
        return out.finish()
    first = min(int(e.get("seq", 0)) for e in feeds)
    if not any(int(e.get("seq", 0)) < first for e in checks):
        out.fail(
            "DMP-R02",
            "the DUI fed the DMP without checking its status first (no TD0.2 before ITI-41)",
            "le DUI a alimenté le DMP sans vérifier son statut (pas de TD0.2 avant l'ITI-41)",
            loc,
        )
    out.cover(
        "DMP-R02",
        "TD0.2 checked the DMP is active before the feed",
        "TD0.2 a vérifié que le DMP est actif avant le versement",
        loc,
    )
    return out.finish()


@check("dmp-chain", "dmp")
def check_replacement_chain(artifact: Artifact, ctx: CheckContext) -> Iterable[Finding]:
    out = Collector(evidence=artifact.sha256)
    obs = _load(artifact, "DMP-H03", out)
    if obs is None:
        return out.finish()
    docs = {str(d.get("unique_id")): d for d in obs.get("documents") or [] if isinstance(d, dict)}
    old, new = docs.get(str(obs.get("old"))), docs.get(str(obs.get("new")))
    loc = "DMP registry after the replacement"
    if new is None:
        out.fail(
            "DMP-H03",
            f"the replacing document {obs.get('new')!r} is not in the DMP",
            f"le document de remplacement {obs.get('new')!r} n'est pas dans le DMP",
            loc,
        )
    elif not str(new.get("status")).endswith("Approved"):
        out.fail(
            "DMP-H03",
            f"the replacing document is {new.get('status')}, not Approved",
            f"le document de remplacement est {new.get('status')}, non approuvé",
            loc,
        )
    if old is None:
        out.fail(
            "DMP-H03",
            f"the replaced document {obs.get('old')!r} is not in the DMP",
            f"le document remplacé {obs.get('old')!r} n'est pas dans le DMP",
            loc,
        )
    elif not str(old.get("status")).endswith("Deprecated"):
        out.fail(
            "DMP-H03",
            f"the replaced document is still {old.get('status')} (not Deprecated)",
            f"le document remplacé est encore {old.get('status')} (non déprécié)",
            loc,
        )
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
            out.fail(
                "DMP-H03",
                f"{len(links)} RPLC association(s) from the new entry to the old one, expected 1",
                f"{len(links)} association(s) RPLC du nouveau document vers l'ancien, 1 attendue",
                loc,
            )
    feed_seq = obs.get("replacing_feed_seq")
    lookups = [
        q
        for q in obs.get("lookups") or []
        if isinstance(q, dict)
        and str(q.get("status")) == "Success"
        and (feed_seq is None or int(q.get("seq", 0)) < int(feed_seq))
    ]
    if not lookups:
        out.fail(
            "DMP-H03",
            "the DUI replaced the document without looking it up in the DMP first (no ITI-18)",
            "le DUI a remplacé le document sans le rechercher d'abord dans le DMP (aucun ITI-18)",
            "DUI traffic to the DMP",
        )
    out.cover(
        "DMP-H03",
        "replacement chain: looked up by ITI-18, new Approved, old Deprecated, one RPLC",
        "chaîne de remplacement : recherche ITI-18, nouveau approuvé, ancien déprécié, une RPLC",
        loc,
    )
    return out.finish()
