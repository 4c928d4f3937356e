"""Which software spoke to the e-prescription stand-in service, as the exchanges say: the HTTP User-Agent
of every request the service recorded."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from conformance.identity import SOFTWARE, IdentityFact, product

SOCLE = "eprescription"


def observed(entries: list[dict[str, Any]], read: Callable[[str], bytes | None]) -> list[IdentityFact]:
    found: list[IdentityFact] = []
    for entry in entries:
        if entry.get("kind") != "eprescription-exchange":
            continue
        data = read(str(entry.get("path")))
        try:
            headers = (json.loads(data) if data else {}).get("request_headers") or {}
        except ValueError:
            continue
        agent = " ".join(str(headers.get("user-agent") or "").split())
        if agent:
            name, version = product(agent)
            found.append(IdentityFact(SOCLE, "http-user-agent", SOFTWARE, name, version, "", agent[:200]))
    return list(dict.fromkeys(found))
