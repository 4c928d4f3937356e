"""Which software spoke to the e-prescription stand-in service, as the exchanges say: the HTTP User-Agent
of every request the service (or the sandbox relay) recorded, and of the imported requests it judged."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from conformance.identity import SOFTWARE, IdentityFact, product

SOCLE = "eprescription"


def _agent(value: object) -> IdentityFact | None:
    agent = " ".join(str(value or "").split())
    if not agent:
        return None
    name, version = product(agent)
    return IdentityFact(SOCLE, "http-user-agent", SOFTWARE, name, version, "", agent[:200])


def observed(entries: list[dict[str, Any]], read: Callable[[str], bytes | None]) -> list[IdentityFact]:
    found: list[IdentityFact | None] = []
    for entry in entries:
        meta = entry.get("meta") or {}
        if entry.get("kind") == "capture-request" and SOCLE in (meta.get("socles") or []):  # an imported request
            found.append(_agent(meta.get("user_agent")))
            continue
        if entry.get("kind") != "eprescription-exchange":
            continue
        data = read(str(entry.get("path")))
        try:
            headers = (json.loads(data) if data else {}).get("request_headers") or {}
        except ValueError:
            continue
        found.append(_agent(headers.get("user-agent")))
    return list(dict.fromkeys(f for f in found if f is not None))
