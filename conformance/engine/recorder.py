"""One run: its folder, its evidence journal and the findings the scenarios record.

The recorder is the single sink of findings, fed by scenarios (through the `verify` fixture)
and by the engine when a scenario dies. Every ended scenario is appended, flushed, to
scenarios.jsonl; results.json is rewritten atomically (compact) when a scenario ends, at most
every `WRITE_EVERY` seconds while scenarios end faster than that (a timer writes what the last
ones changed `WRITE_EVERY` seconds later), at once when a socle's last scenario ends, and
indented when the run ends. A run killed half-way leaves a folder whose results.json says
"incomplete" and whose scenarios.jsonl holds every scenario judged up to the kill (results.json
is at most `WRITE_EVERY` seconds behind it): rewriting the whole results after each of a hundred
scenarios made the bookkeeping quadratic, a fifth of a run's time.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance.engine.evidence import EvidenceJournal, now_iso, write_json_atomic
from conformance.engine.results import build_results
from conformance.model import Finding

WRITE_EVERY = 1.0  # seconds: the longest results.json lags scenarios.jsonl (which holds every ended scenario)
SCENARIOS_LOG = "scenarios.jsonl"


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
    not_run: dict[str, str] | None = None  # {"fr", "en"}: why a sandbox run did not run it

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
            **({"not_run": self.not_run} if self.not_run else {}),
        }


@dataclass
class RunInfo:
    run_id: str
    out: Path
    socles: list[str]
    driver: str
    solution: dict[str, Any]
    mode: str = "mock-services"  # mock-services | sandbox | imported
    platform: dict[str, Any] | None = None  # sandbox: the profile's public form and the certificates probed
    imported: dict[str, Any] | None = None  # imported: the capture folder and what was read from it
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
        self._log = open(self.out / SCENARIOS_LOG, "a", encoding="utf-8")  # noqa: SIM115
        self._write_lock = threading.RLock()  # one writer of results.json and index.json at a time
        self._written = 0.0  # monotonic time of the last results.json write
        self._timer: threading.Timer | None = None  # the pending trailing write, if any
        self._finished = False
        self.write(compact=True)

    # -- scenarios -------------------------------------------------------------------------
    def plan(self, total: int, by_socle: dict[str, int]) -> None:
        """The selected scenarios, known once collected: written at once, so that a run killed before its
        first timed write still says how many scenarios it was to judge."""
        self.expected_total, self.expected_by_socle = total, dict(by_socle)
        self._changed(force=True)

    def begin(self, nodeid: str, socle: str, name: str, title: str, requirements: list[str]) -> ScenarioRecord:
        rec = ScenarioRecord(nodeid, socle, name, title, list(requirements))
        with self._lock:
            self.scenarios[nodeid] = rec
        self.journal.scenario = nodeid
        return rec

    def not_run(self, nodeid: str, reason: dict[str, str]) -> None:
        """A sandbox run does not run this scenario, for this reason (French and English)."""
        with self._lock:
            self.scenarios[nodeid].not_run = dict(reason)

    def add_findings(self, nodeid: str, findings: list[Finding]) -> None:
        with self._lock:
            self.scenarios[nodeid].findings.extend(findings)

    def end(self, nodeid: str, outcome: str, duration: float, detail: str = "") -> None:
        with self._lock:
            rec = self.scenarios[nodeid]
            rec.outcome, rec.duration, rec.detail = outcome, duration, detail
            rec.evidence = [r.sha256 for r in self.journal.refs(nodeid)]
            self._logged([rec])
        self.journal.scenario = None
        self._changed(force=self._socle_done(rec.socle))

    def _changed(self, *, force: bool = False) -> None:
        """Write results.json and index.json now when the last write is old enough (or `force`), else once
        `WRITE_EVERY` has passed, by a timer: a scenario that then runs for minutes leaves no verdict unwritten."""
        with self._write_lock:
            if self._finished:
                return
            if not force and time.monotonic() - self._written < WRITE_EVERY:
                if self._timer is None:
                    self._timer = threading.Timer(WRITE_EVERY, self._trailing)
                    self._timer.daemon = True
                    self._timer.start()
                return
            self._progress()

    def _trailing(self) -> None:
        with self._write_lock:
            self._timer = None
            if self._finished:
                return
            with contextlib.suppress(OSError):  # the folder went away under a recorder nobody finished
                self._progress()

    def _progress(self) -> None:
        """The files as of the last ended scenario: a timer may fire while the next one is half-judged, and a
        scenario's findings count only once it has ended (as the parallel merge counts them)."""
        self.journal.write_index(compact=True)
        self.write(compact=True, ended_only=True)

    def _logged(self, scenarios: list[ScenarioRecord]) -> None:
        """Append `scenarios` to scenarios.jsonl, flushed (the caller holds `_lock`)."""
        if not self._log.closed:
            self._log.writelines(json.dumps(rec.to_json(), ensure_ascii=False) + "\n" for rec in scenarios)
            self._log.flush()

    def _stop_writing(self) -> None:
        """No more timed writes nor log lines from this recorder (the caller holds `_write_lock`)."""
        self._finished = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _socle_done(self, socle: str) -> bool:
        """Every selected scenario of `socle` has ended (its verdict is final: written at once)."""
        expected = self.expected_by_socle.get(socle)
        with self._lock:
            ended = sum(1 for r in self.scenarios.values() if r.socle == socle and r.outcome != "pending")
        return expected is not None and ended >= expected

    # -- output ----------------------------------------------------------------------------
    def results(self, *, ended_only: bool = False) -> dict[str, Any]:
        with self._lock:
            scenarios = [s for s in self.scenarios.values() if not ended_only or s.outcome != "pending"]
        return build_results(self.info, scenarios, self.journal, self.expected_total, self.expected_by_socle)

    def write(self, *, compact: bool = False, ended_only: bool = False) -> dict[str, Any]:
        """`compact` while the run goes on; indented once it has ended. `ended_only`: leave out the scenario
        that has begun and not ended (its findings so far)."""
        with self._write_lock:
            data = self.results(ended_only=ended_only)
            write_json_atomic(self.out / "results.json", data, compact=compact)
            self._written = time.monotonic()
        return data

    def settle(self, scenarios: list[ScenarioRecord]) -> None:
        """Stop this recorder's own writes: another writer makes results.json (a parallel run's merge), and
        the log holds `scenarios`, the merged records, in their order."""
        with self._write_lock:
            self._stop_writing()
            with self._lock:
                self._logged(scenarios)
                self._log.close()

    def finish(self, status: str = "complete") -> dict[str, Any]:
        self.info.finished = now_iso()
        with self._write_lock:
            self._stop_writing()
            self.info.status = status
            self.journal.close()
            with self._lock:
                self._log.close()
            return self.write()
