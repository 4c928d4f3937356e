"""Gathers the findings of one artifact: failures where found, one pass per rule otherwise.

A rule group declares the requirements it examined (`cover`); every requirement that was
examined and got neither a failure nor a warning ends with one pass finding, so a report stays
short (one line per rule met) while every failure keeps its own place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.model import Finding, Verdict


@dataclass
class Collector:
    evidence: str | None = None
    findings: list[Finding] = field(default_factory=list)
    _covered: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    _judged: set[str] = field(default_factory=set)

    def _add(self, req: str, verdict: Verdict, en: str, fr: str, location: str) -> None:
        self.findings.append(Finding(req, verdict, en, fr, location, self.evidence))
        if verdict in (Verdict.FAIL, Verdict.WARN):
            self._judged.add(req)

    def fail(self, req: str, en: str, fr: str, location: str = "") -> None:
        self._add(req, Verdict.FAIL, en, fr, location)

    def warn(self, req: str, en: str, fr: str, location: str = "") -> None:
        self._add(req, Verdict.WARN, en, fr, location)

    def not_applicable(self, req: str, en: str, fr: str, location: str = "") -> None:
        self._add(req, Verdict.NOT_APPLICABLE, en, fr, location)

    def cover(self, req: str, en: str, fr: str, location: str = "") -> None:
        """Declare that `req` was examined; it passes at `finish` unless something was reported."""
        self._covered.setdefault(req, (en, fr, location))

    def failed(self, req: str) -> bool:
        return any(f.requirement == req and f.verdict is Verdict.FAIL for f in self.findings)

    def finish(self) -> list[Finding]:
        for req, (en, fr, location) in self._covered.items():
            if req not in self._judged:
                self.findings.append(Finding(req, Verdict.PASS, en, fr, location, self.evidence))
        self._covered.clear()
        return self.findings
