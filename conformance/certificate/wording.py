"""The French certificate speaks French only and cites public documents, never the harness's notes.

The requirement catalogs are written for the people who maintain them: sources mixing document titles
with internal file paths and labels ("specs/....md", "(S3)", "UNSURE"), not-evaluated reasons in
English. The certificate an instructor reads gets, from the data in `citations.toml`: the public
documents a source cites, a version only when it is a version, a French reason for every requirement the
harness does not evaluate, and "not run (rule pack not supplied)" kept apart from "not applicable".
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

NOT_RUN = "not-run"  # shown verdict: a rule pack the requirement needs was not supplied
NOT_CHECKED_FR_DEFAULT = "exigence que cette version de l'outil n'évalue pas"
_UNSURE = re.compile(r"\bUNSURE\b")
_PUBLIC_VERSION = re.compile(r"^\s*(\d[\w.\-]*(?:\s\(\d{2}/\d{2}/\d{4}\))?)")


@dataclass(frozen=True)
class Citations:
    documents: tuple[tuple[re.Pattern[str], str], ...]
    not_checked_fr: dict[str, str]
    not_run: dict[str, str]
    refs_fr: dict[str, str]


@cache
def citations() -> Citations:
    data = tomllib.loads(Path(__file__).with_name("citations.toml").read_text(encoding="utf-8"))
    return Citations(
        tuple((re.compile(d["match"], re.IGNORECASE), str(d["cite"])) for d in data["document"]),
        {str(k): str(v) for k, v in data["not_checked_fr"].items()},
        {str(k): str(v) for k, v in data["not_run"].items()},
        {str(k): str(v) for k, v in data["refs_fr"].items()},
    )


def cite(source: str) -> list[str]:
    """The public documents a catalog source cites, in the table's order (empty: none recognised)."""
    return [text for pattern, text in citations().documents if pattern.search(source or "")]


def public_version(version: str) -> str:
    """A source version as the certificate prints it: '1.0.1 (18/01/2024)', '2.1.0'; internal notes dropped."""
    m = _PUBLIC_VERSION.match(version or "")
    return m.group(1) if m and "@" not in version[: m.end() + 2] else ""


def french(text: str) -> str:
    """Catalog French with its one English marker translated."""
    return _UNSURE.sub("non confirmé", text or "")


def refs_fr(refs: list[str]) -> list[str]:
    """Official references as the French certificate prints them (the harness's English ones translated)."""
    table = citations().refs_fr
    return [table.get(r, r) for r in refs]


def not_checked_fr(rid: str) -> str:
    return citations().not_checked_fr.get(rid, NOT_CHECKED_FR_DEFAULT)


def shown_verdict(rid: str, verdict: str, findings: list[dict[str, Any]]) -> str:
    """The verdict as printed: `not-run` when every finding of a not-applicable requirement says the rule
    pack it needs was not supplied (the words listed in `citations.toml`), else the verdict itself."""
    marker = citations().not_run.get(rid)
    if verdict != "not-applicable" or not marker or not findings:
        return verdict
    return NOT_RUN if all(marker in str(f.get("message", "")) for f in findings) else verdict
