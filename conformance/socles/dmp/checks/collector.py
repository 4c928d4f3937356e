"""Gathers the findings of one rule group: failures where found, one pass per rule otherwise.

A rule group declares the requirements it examined (`cover`); every requirement that was
examined and got neither a failure nor a warning ends with one pass finding, so a report stays
short (one line per rule met) while every failure keeps its own place. Messages come by name
(`M.text(...)` of the socle's table).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.messages import Text, finding
from conformance.model import Finding, Verdict


@dataclass
class Collector:
    findings: list[Finding] = field(default_factory=list)
    _covered: dict[str, tuple[Text, str]] = field(default_factory=dict)
    _judged: set[str] = field(default_factory=set)

    def _add(self, req: str, verdict: Verdict, text: Text, location: str) -> None:
        self.findings.append(finding(req, verdict, text, location))
        if verdict in (Verdict.FAIL, Verdict.WARN):
            self._judged.add(req)

    def fail(self, req: str, text: Text, location: str = "") -> None:
        self._add(req, Verdict.FAIL, text, location)

    def warn(self, req: str, text: Text, location: str = "") -> None:
        self._add(req, Verdict.WARN, text, location)

    def not_applicable(self, req: str, text: Text, location: str = "") -> None:
        self._add(req, Verdict.NOT_APPLICABLE, text, location)

    def cover(self, req: str, text: Text, location: str = "") -> None:
        """Declare that `req` was examined; it passes at `finish` unless something was reported."""
        self._covered.setdefault(req, (text, location))

    def has_failure(self, req: str) -> bool:
        return any(f.requirement == req and f.verdict is Verdict.FAIL for f in self.findings)

    def failures(self) -> list[Finding]:
        return [f for f in self.findings if f.verdict is Verdict.FAIL]

    def finish(self) -> list[Finding]:
        for req, (text, location) in self._covered.items():
            if req not in self._judged:
                self.findings.append(finding(req, Verdict.PASS, text, location))
        self._covered.clear()
        return self.findings
