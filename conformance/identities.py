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


def usager_label(p: Any) -> tuple[str, str]:
    """How a person names a test usager in an instruction, in French and English:
    "Mme Jeanne MARTIN-ESSAI, née le 12/04/1938 (INS 238047505612394, dossier EHPAD-0001)"."""
    if not isinstance(p, dict):
        return str(p), str(p)
    fr_title, en_title = {"F": ("Mme", "Mrs"), "M": ("M.", "Mr")}.get(str(p.get("sex", "")), ("", ""))
    name = f"{p.get('first_given', '')} {p.get('birth_name', '')}".strip()
    born = str(p.get("birth_date", ""))
    day = "/".join(reversed(born.split("-"))) if born.count("-") == 2 else born
    fr_born = f", {'née' if p.get('sex') == 'F' else 'né'} le {day}" if day else ""
    en_born = f", born {day}" if day else ""
    fr_id = f"INS {p.get('ins', '?')}" + ("" if p.get("qualified", True) else ", identité NON qualifiée")
    en_id = f"INS {p.get('ins', '?')}" + ("" if p.get("qualified", True) else ", identity NOT qualified")
    record = p.get("record_id")
    fr = f"{fr_title} {name}{fr_born} ({fr_id}{f', dossier {record}' if record else ''})".strip()
    en = f"{en_title} {name}{en_born} ({en_id}{f', record {record}' if record else ''})".strip()
    return fr, en
