"""One run: its folder, its evidence journal and the findings the scenarios record.

The recorder is the single sink of findings, fed by scenarios (through the `verify` fixture)
and by the engine when a scenario dies. It rewrites results.json atomically after every
scenario, so an interrupted run leaves a folder that says "incomplete" and keeps everything
judged so far.
"""

from __future__ import annotations

import secrets
import subprocess
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance.engine.evidence import EvidenceJournal, now_iso, write_json_atomic
from conformance.engine.results import build_results
from conformance.model import Finding


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def harness_commit() -> str | None:
    """The git commit of the harness when it runs from a checkout (None when installed)."""
    root = Path(__file__).resolve().parent.parent
    if not (root / ".git").exists():
        return None
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


@dataclass
class ScenarioRecord:
    nodeid: str
    socle: str
    name: str
    title: str
    requirements: list[str]
    outcome: str = "pending"  # passed | failed | skipped | error
    duration: float = 0.0
    detail: str = ""
    findings: list[Finding] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)  # sha256 of evidence captured during it

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.nodeid,
            "socle": self.socle,
            "name": self.name,
            "title": self.title,
            "requirements": self.requirements,
            "outcome": self.outcome,
            "duration": round(self.duration, 3),
            "detail": self.detail,
            "findings": [f.to_json() for f in self.findings],
            "evidence": self.evidence,
        }


@dataclass
class RunInfo:
    run_id: str
    out: Path
    socles: list[str]
    driver: str
    solution: dict[str, Any]
    mode: str = "mock-services"
    started: str = field(default_factory=now_iso)
    finished: str | None = None
    status: str = "incomplete"
    keyword: str | None = None  # pytest -k: a restricted selection
    deselected: int = 0  # scenarios of the selected socles that pytest deselected
    harness: dict[str, Any] = field(default_factory=lambda: {"version": __version__, "git_commit": harness_commit()})


class RunRecorder:
    def __init__(self, info: RunInfo) -> None:
        self.info = info
        self.out = Path(info.out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.journal = EvidenceJournal(self.out / "evidence")
        self.scenarios: dict[str, ScenarioRecord] = {}
        self.expected_total = 0
        self.expected_by_socle: dict[str, int] = {}  # selected scenarios per socle, known after collection
        self._lock = threading.Lock()
        self.write()

    # -- scenarios -------------------------------------------------------------------------
    def begin(self, nodeid: str, socle: str, name: str, title: str, requirements: list[str]) -> ScenarioRecord:
        rec = ScenarioRecord(nodeid, socle, name, title, list(requirements))
        with self._lock:
            self.scenarios[nodeid] = rec
        self.journal.scenario = nodeid
        return rec

    def add_findings(self, nodeid: str, findings: list[Finding]) -> None:
        with self._lock:
            self.scenarios[nodeid].findings.extend(findings)

    def end(self, nodeid: str, outcome: str, duration: float, detail: str = "") -> None:
        with self._lock:
            rec = self.scenarios[nodeid]
            rec.outcome, rec.duration, rec.detail = outcome, duration, detail
            rec.evidence = [r.sha256 for r in self.journal.refs(nodeid)]
        self.journal.scenario = None
        self.journal.write_index()
        self.write()

    # -- output ----------------------------------------------------------------------------
    def results(self) -> dict[str, Any]:
        with self._lock:
            scenarios = list(self.scenarios.values())
        return build_results(self.info, scenarios, self.journal, self.expected_total, self.expected_by_socle)

    def write(self) -> dict[str, Any]:
        data = self.results()
        write_json_atomic(self.out / "results.json", data)
        return data

    def finish(self, status: str = "complete") -> dict[str, Any]:
        self.info.finished = now_iso()
        self.info.status = status
        self.journal.close()
        return self.write()
