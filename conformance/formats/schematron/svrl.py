"""SVRL (the ISO schematron report) read into items a socle turns into findings.

Every `failed-assert` and every `successful-report` is one item with the report's location XPath,
the assert/report id (or, the ANS pack giving none, the id of the pattern that fired it) and its
text exactly as written (French). Severity is what the pack encodes: `role` (error / warning /
information, as the ANS art-decor schematrons write it), or `flag` when there is no role; an
assertion with neither is an error, as TestContenuCDA reads it. Warnings warn and information
passes: neither fails a document (`SvrlReport.failures`).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from conformance.formats.xmlsafe import parse_xml
from conformance.model import Verdict

SVRL = "http://purl.oclc.org/dsdl/svrl"
MAX_SVRL_BYTES = 512 * 1024 * 1024  # our own engine's output: bounded, but generous

_SEVERITY = {
    "fatal": Verdict.FAIL,
    "error": Verdict.FAIL,
    "erreur": Verdict.FAIL,
    "warning": Verdict.WARN,
    "warn": Verdict.WARN,
    "avertissement": Verdict.WARN,
    "info": Verdict.PASS,
    "information": Verdict.PASS,
    "informational": Verdict.PASS,
    "note": Verdict.PASS,
}


@dataclass(frozen=True)
class SvrlItem:
    """One failed-assert or successful-report of a report."""

    kind: str  # "failed-assert" | "successful-report"
    rule_id: str  # assert/report @id, else the id of the active pattern, else ""
    role: str
    flag: str
    location: str
    text: str

    @property
    def verdict(self) -> Verdict:
        for marker in (self.role, self.flag):
            if marker.strip():
                return _SEVERITY.get(marker.strip().lower(), Verdict.FAIL)
        return Verdict.FAIL


@dataclass(frozen=True)
class SvrlReport:
    items: list[SvrlItem]
    fired_rules: int

    def failures(self) -> list[SvrlItem]:
        return [i for i in self.items if i.verdict is Verdict.FAIL]


def parse_svrl(data: bytes | str) -> SvrlReport:
    """Read a report in document order, giving each item the pattern it belongs to."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    root = parse_xml(raw, max_bytes=MAX_SVRL_BYTES)
    items: list[SvrlItem] = []
    pattern = ""
    fired = 0
    for el in root.iter(f"{{{SVRL}}}*"):
        local = etree.QName(el).localname
        if local == "active-pattern":
            pattern = el.get("id") or el.get("name") or ""
        elif local == "fired-rule":
            fired += 1
        elif local in ("failed-assert", "successful-report"):
            text_el = el.find(f"{{{SVRL}}}text")
            text = " ".join("".join(text_el.itertext()).split()) if text_el is not None else ""
            items.append(
                SvrlItem(
                    kind=local,
                    rule_id=el.get("id") or pattern,
                    role=el.get("role") or "",
                    flag=el.get("flag") or "",
                    location=el.get("location") or "",
                    text=text,
                )
            )
    return SvrlReport(items, fired)
