"""Synthetic test identities (test INS OIDs only), shipped in fixtures/identities.json."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from conformance.paths import fixtures_dir


@cache
def _doc() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((fixtures_dir() / "identities.json").read_text(encoding="utf-8"))
    return data


def patients() -> list[dict[str, Any]]:
    return [dict(p) for p in _doc()["patients"]]


def patient(key: str) -> dict[str, Any]:
    for p in _doc()["patients"]:
        if p["key"] == key:
            return dict(p)
    raise KeyError(key)


def professionals() -> list[dict[str, Any]]:
    return [dict(p) for p in _doc()["professionals"]]


def professional(key: str) -> dict[str, Any]:
    for p in _doc()["professionals"]:
        if p["key"] == key:
            return dict(p)
    raise KeyError(key)


def dui_bal() -> dict[str, Any]:
    return dict(_doc()["dui_bal"])


def whitelist() -> list[str]:
    return list(_doc()["whitelist"])


def outside_address() -> str:
    """An address outside every trust space (the liste blanche): a recipient the DUI must refuse."""
    return str(_doc()["outside_address"])
