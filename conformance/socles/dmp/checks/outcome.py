"""DMP-R01 on one feed as observed (kind "dmp-exchange"): did the DUI report what the DMP answered?

Input: JSON `{"outcome": {status, data, detail}, "registry": {status, errors: [{errorCode,
codeContext}]}}`, the DUI's answer to the driver next to the mock DMP's RegistryResponse or
fault. The DUI may call a document fed only on Success without errors; otherwise it must say so
(status error or refused) and show each errorCode and codeContext to the user.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from conformance.model import Artifact, CheckContext, Finding
from conformance.registry import check

from .collector import Collector


def _shown(outcome: dict[str, Any], error: dict[str, Any]) -> bool:
    text = json.dumps(outcome, ensure_ascii=False)
    return str(error.get("errorCode", "")) in text and str(error.get("codeContext", "")) in text


@check("dmp-exchange", "dmp")
def check_exchange(artifact: Artifact, ctx: CheckContext) -> Iterable[Finding]:
    out = Collector(evidence=artifact.sha256)
    try:
        obs = json.loads(artifact.data)
        outcome, registry = dict(obs["outcome"]), dict(obs["registry"])
    except (ValueError, KeyError, TypeError) as exc:
        out.fail("DMP-R01", f"unreadable exchange record: {exc}", f"échange illisible : {exc}", "/")
        return out.finish()
    status, errors = str(registry.get("status", "")), list(registry.get("errors") or [])
    said = str(outcome.get("status", ""))
    loc = "driver outcome + DMP response"
    if status == "Success" and not errors:
        if said != "ok":
            out.fail(
                "DMP-R01",
                f"the DMP accepted the feed but the DUI answered {said!r}",
                f"le DMP a accepté le versement mais le DUI a répondu {said!r}",
                loc,
            )
        out.cover("DMP-R01", "Success reported as fed", "succès restitué comme versé", loc)
        return out.finish()
    if said == "ok":
        out.fail(
            "DMP-R01",
            f"the DMP answered {status} but the DUI reported the document as fed",
            f"le DMP a répondu {status} mais le DUI a déclaré le document versé",
            loc,
        )
    for e in errors:
        if not _shown(outcome, e):
            out.fail(
                "DMP-R01",
                f"error {e.get('errorCode')} ({e.get('codeContext')}) not shown to the user",
                f"erreur {e.get('errorCode')} ({e.get('codeContext')}) non restituée à l'utilisateur",
                loc,
            )
    out.cover("DMP-R01", f"DMP {status} reported with its errors", f"{status} du DMP restitué avec ses erreurs", loc)
    return out.finish()
