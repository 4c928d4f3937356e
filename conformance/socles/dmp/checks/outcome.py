"""DMP-R01 on one feed as observed (kind "dmp-exchange"): did the DUI report what the DMP answered?

Input: JSON `{"outcome": {status, data, detail}, "registry": {status, errors: [{errorCode,
codeContext}]}}`, the DUI's answer to the driver next to the mock DMP's RegistryResponse or
fault, read by `readers.read_exchange`. The DUI may call a document fed only on Success without
errors; otherwise it must say so (status error or refused) and show each errorCode and
codeContext to the user.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from conformance.model import CheckContext, Finding
from conformance.registry import check

from ..messages import M
from .collector import Collector
from .readers import FeedExchange

R = "DMP-R01"


def _shown(outcome: dict[str, Any], error: dict[str, Any]) -> bool:
    text = json.dumps(outcome, ensure_ascii=False)
    return str(error.get("errorCode", "")) in text and str(error.get("codeContext", "")) in text


@check("dmp-exchange", "dmp", R)
def check_exchange(exchange: FeedExchange, ctx: CheckContext) -> Iterable[Finding]:
    out = Collector()
    outcome, registry = exchange.outcome, exchange.registry
    status, errors = str(registry.get("status", "")), list(registry.get("errors") or [])
    said = str(outcome.get("status", ""))
    loc = "driver outcome + DMP response"
    if status == "Success" and not errors:
        if said != "ok":
            out.fail(R, M.text("outcome.accepted-not-reported", said=said), loc)
        out.cover(R, M.text("outcome.success-ok"), loc)
        return out.finish()
    if said == "ok":
        out.fail(R, M.text("outcome.refused-as-fed", status=status), loc)
    for e in errors:
        if not _shown(outcome, e):
            out.fail(R, M.text("outcome.error-hidden", code=e.get("errorCode"), context=e.get("codeContext")), loc)
    out.cover(R, M.text("outcome.refusal-ok", status=status), loc)
    return out.finish()
