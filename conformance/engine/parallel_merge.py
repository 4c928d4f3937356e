"""One run folder from the folders of a parallel run's workers, as a serial run would have written it.

What is merged, and how (the order depends only on the collection, never on which worker ran what):
- scenarios: every worker's scenario records, in collection order;
- evidence: every worker's journal entries (the tagged `index.json`, plus what `journal.jsonl` holds
  beyond it when a worker was interrupted between two scenarios), ordered by the scenario they belong
  to (collection order), then by the worker's own sequence; files renumbered `00001-...` like a serial
  journal. Entries are copied as they are, whatever fields the journal records (kind, role, capture
  time...), only `seq` and `path` change;
- the DUI's history (`driver-history`, the one evidence file a run records per DUI): each worker's
  history is cut at the marks the worker wrote after each scenario, and the slices laid in collection
  order, so the run holds one history in the order a serial run answers the same actions;
- entries name each other by SHA-256 (judgement records, parts), so renumbering changes no byte; bytes a
  journal attaches once per run are kept once (`parallel_refs`);
- results.json: computed by the same `build_results` as a serial run, from the merged scenarios and
  evidence, so verdicts follow the same rules.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from conformance.engine import parallel_refs
from conformance.engine.evidence import (
    INDEX_SCHEMA,
    EvidenceRef,
    now_iso,
    read_journal,
    read_jsonl,
    without_seq,
    write_json_atomic,
)
from conformance.engine.recorder import SCENARIOS_LOG, ScenarioRecord
from conformance.engine.results import SCHEMA as RESULTS_SCHEMA
from conformance.engine.results import build_results
from conformance.jsontext import loads, pretty
from conformance.model import Finding

if TYPE_CHECKING:
    from conformance.engine.evidence import EvidenceJournal
    from conformance.engine.recorder import RunRecorder

MARKS_FILE = "driver-marks.jsonl"  # written by each worker (parallel.WorkerMarks)
PLAN_FILE = "plan.json"  # each worker's selected scenarios per socle, written once collected (parallel.WorkerMarks)
DRIVER_HISTORY = "driver-history"  # the kind the `dui` fixture records the DUI's answers under
_REF_FIELDS = {f.name for f in dataclasses.fields(EvidenceRef)}


@dataclass
class Entry:
    """One evidence entry of one worker, as the worker's journal holds it."""

    data: dict[str, Any]
    folder: Path

    @property
    def file(self) -> Path:
        return self.folder / "evidence" / str(self.data["path"])

    @property
    def scenario(self) -> str | None:
        return self.data.get("scenario")


@dataclass
class MergedEvidence:
    """The merged journal, read the way `build_results` reads a live one (`refs()`)."""

    entries: list[dict[str, Any]] = field(default_factory=list)

    def refs(self, scenario: str | None = None) -> list[EvidenceRef]:
        return [
            EvidenceRef(**{k: v for k, v in e.items() if k in _REF_FIELDS})
            for e in self.entries
            if scenario is None or e.get("scenario") == scenario
        ]


def worker_folders(workers: Path) -> list[Path]:
    return sorted((p for p in workers.iterdir() if p.is_dir()), key=lambda p: p.name) if workers.is_dir() else []


def position(order: list[str]) -> dict[str, int]:
    return {nodeid: i for i, nodeid in enumerate(order)}


def worker_entries(folder: Path) -> list[Entry]:
    """The tagged index, then anything the flushed journal holds beyond it (a worker cut mid-scenario)."""
    root = folder / "evidence"
    try:
        indexed = loads((root / "index.json").read_text(encoding="utf-8"))["entries"]
    except (OSError, ValueError, KeyError, TypeError):
        indexed = []
    last = max((int(e.get("seq", 0)) for e in indexed), default=0)
    later = [e for e in read_journal(root) if int(e.get("seq", 0)) > last]
    return [Entry(e, folder) for e in [*indexed, *later] if (root / str(e.get("path", ""))).is_file()]


def worker_results(folder: Path) -> dict[str, Any]:
    """A worker's results.json (results/2), or {} when it never wrote one or it is not one."""
    try:
        results = loads((folder / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return results if isinstance(results, dict) and results.get("schema") == RESULTS_SCHEMA else {}


def worker_deselected(results: dict[str, Any]) -> int:
    """How many scenarios a worker's collection deselected (`-k`), from its results: every worker collects
    the same."""
    selection = results.get("selection") or {}
    return int(selection.get("deselected") or 0)


def planned(folders: list[Path]) -> dict[str, int] | None:
    """The selected scenarios per socle, as the workers counted them once collected (every worker collects
    the same selection); None when no worker got that far: then no socle is known to have finished."""
    for folder in folders:
        try:
            counts = loads((folder / PLAN_FILE).read_text(encoding="utf-8"))["expected_by_socle"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if isinstance(counts, dict) and all(isinstance(n, int) for n in counts.values()):
            return {str(name): n for name, n in counts.items()}
    return None


def worker_scenarios(folder: Path, results: dict[str, Any]) -> list[ScenarioRecord]:
    """The scenarios a worker ran to an end: its `results` (results.json, socles.*.scenarios[]), then those its
    scenarios.jsonl holds beyond them (a worker killed less than `recorder.WRITE_EVERY` after a scenario ended)."""
    rows = [s for socle in results.get("socles", {}).values() for s in socle.get("scenarios", [])]
    listed = {s.get("id") for s in rows}
    rows += [s for s in read_jsonl(folder / SCENARIOS_LOG) if s.get("id") not in listed]
    out: list[ScenarioRecord] = []
    for s in rows:
        if s.get("outcome") == "pending":
            continue  # begun, never ended: its findings were never final
        try:
            out.append(
                ScenarioRecord(
                    nodeid=s["id"],
                    socle=s["socle"],
                    name=s["name"],
                    title=s["title"],
                    requirements=list(s["requirements"]),
                    outcome=s["outcome"],
                    duration=float(s["duration"]),
                    detail=s.get("detail", ""),
                    findings=[Finding.from_json(f) for f in s.get("findings", [])],
                )
            )
        except (KeyError, TypeError, ValueError):
            continue  # not a scenario record: a folder is read, never trusted
    return out


def marks_of(folder: Path) -> list[tuple[str, int]]:
    path = folder / MARKS_FILE
    if not path.is_file():
        return []
    marks: list[tuple[str, int]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            mark = loads(line)
            marks.append((str(mark["scenario"]), int(mark["actions"])))
        except (ValueError, KeyError, TypeError):
            break  # a line cut by a kill ends the marks
    return marks


def merged_history(histories: list[Entry], pos: dict[str, int]) -> tuple[bytes, list[dict[str, Any]]] | None:
    """One driver history from the workers': slices per scenario, in collection order."""
    slices: list[tuple[tuple[int, str, int], list[Any]]] = []
    for entry in histories:
        try:
            actions = loads(entry.file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(actions, list):
            continue
        start = 0
        marks = marks_of(entry.folder)
        for i, (scenario, end) in enumerate(marks):
            tail = i == len(marks) - 1
            chunk = actions[start:] if tail else actions[start:end]
            slices.append(((pos.get(scenario, len(pos)), entry.folder.name, i), chunk))
            start = end
        if not marks:
            slices.append(((len(pos), entry.folder.name, 0), actions))
    if not slices:
        return None
    merged = [action for _, chunk in sorted(slices, key=lambda s: s[0]) for action in chunk]
    data = pretty(merged, default=str)
    return data, [h.data for h in histories]


def link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def renamed(seq: int, path: str) -> str:
    return f"{seq:05d}-{without_seq(path)}"


def in_serial_order(entries: list[Entry], folders: list[Path], pos: dict[str, int]) -> list[Entry]:
    """Entries by the scenario they belong to (collection order), then by their worker's sequence; an
    attached entry belongs to the earliest scenario of its worker that attached its bytes
    (`parallel_refs.credit`), as it would in a serial journal."""
    notes = {folder.name: parallel_refs.attached_again(folder) for folder in folders}
    placed: list[tuple[parallel_refs.Place, Entry]] = []
    for e in entries:
        place = (pos.get(e.scenario or "", len(pos)), e.folder.name, int(e.data.get("seq", 0)), 0)
        key = parallel_refs.attach_key(e.data)
        if key is not None and key in notes[e.folder.name]:
            place, data = parallel_refs.credit(e.data, place, notes[e.folder.name][key], pos)
            e = Entry(data, e.folder)
        placed.append((place, e))
    return [e for _, e in sorted(placed, key=lambda p: p[0])]


def merge_evidence(
    folders: list[Path], order: list[str], root: Path, last_scenario: str | None
) -> list[dict[str, Any]]:
    """Write the merged evidence folder (files, journal.jsonl, index.json); its entries in order. Each file
    is the worker's, linked (copied across file systems): renumbering changes its name, never its bytes."""
    pos = position(order)
    entries: list[Entry] = []
    histories: list[Entry] = []
    for folder in folders:
        for e in worker_entries(folder):
            (histories if e.data.get("kind") == DRIVER_HISTORY else entries).append(e)
    entries = in_serial_order(entries, folders, pos)
    root.mkdir(parents=True, exist_ok=True)
    out: list[dict[str, Any]] = []
    attached: dict[tuple[str, str], dict[str, Any]] = {}
    for e in entries:
        key = parallel_refs.attach_key(e.data)
        if key is not None and key in attached:  # bytes a serial journal would have attached once
            parallel_refs.keep_first(attached[key], e.data)
            continue
        data = {**e.data, "seq": len(out) + 1, "path": renamed(len(out) + 1, str(e.data["path"]))}
        if key is not None:
            attached[key] = data
        link_or_copy(e.file, root / data["path"])
        out.append(data)
    history = merged_history(histories, pos)
    if history is not None:
        import hashlib

        body, originals = history
        first = originals[0]
        seq = len(out) + 1
        data = {
            **first,
            "seq": seq,
            "path": renamed(seq, str(first["path"])),
            "sha256": hashlib.sha256(body).hexdigest(),
            "size": len(body),
            "time": max(str(o.get("time", "")) for o in originals),
            "scenario": last_scenario,
            "requirements": sorted({r for o in originals for r in o.get("requirements", [])}),
        }
        (root / data["path"]).write_bytes(body)
        out.append(data)
    write_lines(root / "journal.jsonl", out)
    write_json_atomic(root / "index.json", {"schema": INDEX_SCHEMA, "entries": out})
    return out


def write_lines(path: Path, entries: Iterable[dict[str, Any]]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for e in entries:
            fh.write(json.dumps(e, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def merge_run(
    recorder: RunRecorder,
    workers: Path,
    order: list[str],
    status: str,
    expected_by_socle: dict[str, int] | None = None,
) -> dict[str, Any]:
    """Merge `workers/*` into the recorder's run folder and write its results.json; the results.

    `expected_by_socle`: the selected scenarios per socle (by default the workers' plan), so an
    interrupted run keeps the verdict of each socle whose scenarios all finished, and says "incomplete"
    for the others, as a serial run does.
    """
    recorder.info.finished = now_iso()
    recorder.info.status = status
    recorder.journal.close()  # the controller records nothing itself: its empty journal is replaced
    folders = worker_folders(workers)
    # the controller collects nothing: what `-k` deselected is what each worker's collection did
    written = {f: worker_results(f) for f in folders}
    recorder.info.deselected = max((worker_deselected(r) for r in written.values()), default=recorder.info.deselected)
    pos = position(order)
    scenarios = sorted(
        (s for f in folders for s in worker_scenarios(f, written[f])),
        key=lambda s: (pos.get(s.nodeid, len(pos)), s.nodeid),
    )
    last = scenarios[-1].nodeid if scenarios else None
    entries = merge_evidence(folders, order, recorder.out / "evidence", last)
    captured: dict[str | None, list[str]] = {}
    for e in entries:
        captured.setdefault(e.get("scenario"), []).append(e["sha256"])
    for s in scenarios:
        s.evidence = captured.get(s.nodeid, [])
    evidence = cast("EvidenceJournal", MergedEvidence(entries))  # build_results reads only refs()
    expected = expected_by_socle if expected_by_socle is not None else planned(folders)
    results = build_results(recorder.info, scenarios, evidence, max(len(order), len(scenarios)), expected)
    recorder.settle(scenarios)
    write_json_atomic(recorder.out / "results.json", results)
    shutil.rmtree(workers, ignore_errors=True)
    return results
