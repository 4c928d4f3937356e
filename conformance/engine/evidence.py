"""The evidence journal: every captured exchange and artifact, hashed, written as it arrives.

Append-only `journal.jsonl` is flushed on every record, so a run killed half-way leaves a folder
whose evidence is readable and complete up to the kill. `index.json` is the same list in one
document, rewritten atomically at scenario boundaries and at the end (and rebuildable from the
journal at any time).

Every entry says what it is (`kind`), who produced it (`role`, see ROLES) and when it was captured
(`time`): that is what lets anyone re-judge a run from its evidence (`conformance.engine.rejudge`) and
validate only what the DUI sent (`conformance.engine.validate_evidence`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conformance import jsontext

INDEX_SCHEMA = "dui-conformance/evidence-index/2"  # 2: every entry has a role
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
_SEQ_PREFIX = re.compile(r"^\d+-")

# who produced an evidence entry
DUI = "dui"  # bytes the DUI under test produced: what it sent, or handed back through the driver
HARNESS = "harness"  # bytes the harness sent the DUI: incoming messages, mock answers, deliberately bad inputs
OBSERVED = "observed"  # the harness's structured account of what the DUI did (sessions, TLS, observations)
JUDGEMENT = "judgement"  # how a scenario judged an entry: the artifact, the context and the capture time
# bytes a real test platform answered, through a sandbox relay (or an imported capture's answer), and the relay's
# own sessions with it: like HARNESS, what the DUI was told, never judged as what it sent
PLATFORM = "platform"
ROLES = (DUI, HARNESS, OBSERVED, JUDGEMENT, PLATFORM)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def safe_name(name: str, limit: int = 80) -> str:
    """A file name that cannot climb out of the evidence folder nor clash with a device."""
    cleaned = _SAFE.sub("_", name.replace("\\", "/").split("/")[-1]).strip("._") or "artifact"
    return cleaned[:limit]


def without_seq(path: str) -> str:
    """An evidence file name without its sequence number (`00012-cda-x.xml` -> `cda-x.xml`)."""
    return _SEQ_PREFIX.sub("", path, count=1)


def write_json_atomic(path: Path, data: Any, *, compact: bool = False) -> None:
    """`compact` for the files rewritten while a run goes on (results.json, index.json); the run's last write
    is indented for readers (`conformance.jsontext`)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(jsontext.compact(data) if compact else jsontext.pretty(data))
    os.replace(tmp, path)


@dataclass
class EvidenceRef:
    seq: int
    path: str  # relative to the evidence folder
    sha256: str
    size: int
    kind: str
    time: str  # capture time (UTC, ISO 8601): "now" for every rule that depends on the clock
    scenario: str | None = None
    requirements: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    role: str = DUI

    @property
    def label(self) -> str:
        """The file name without its sequence number (`email-message-1.eml` for `00012-email-message-1.eml`):
        what names the entry in what a check reads or says (an artifact's name, a finding's location). A
        parallel run's merge renumbers the files, so a sequence number would name another file there; the entry
        itself is named by its SHA-256 (a finding's `evidence`)."""
        return without_seq(self.path)

    def to_json(self) -> dict[str, Any]:
        """The entry as index.json and journal.jsonl hold it (`asdict` without its recursive deep copy,
        which cost more than the dump of thousands of entries rewritten at every scenario's end)."""
        out = dict(vars(self))
        out["requirements"] = list(self.requirements)
        out["meta"] = dict(self.meta)
        return out


class EvidenceJournal:
    """Thread-safe: the mock services record from their own threads."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._refs: list[EvidenceRef] = []
        self._seq = 0
        self._journal = open(self.root / "journal.jsonl", "a", encoding="utf-8")  # noqa: SIM115
        self._attached: dict[tuple[str, str], EvidenceRef] = {}
        self.scenario: str | None = None  # set by the engine while a scenario runs
        # told of every `attach` that found its bytes already kept (a parallel worker notes which scenario
        # asked, for the merge: `engine.parallel_refs.note_attached_again`)
        self.attached_again: Callable[[EvidenceRef, dict[str, Any]], None] | None = None

    def record(
        self,
        kind: str,
        name: str,
        data: bytes,
        *,
        meta: dict[str, Any] | None = None,
        requirements: list[str] | None = None,
        scenario: str | None = None,
        role: str = DUI,
        time: str | None = None,
    ) -> EvidenceRef:
        """Write `data` as a new entry; `time` is the capture time when it is not now (a part cut from an
        exchange captured earlier keeps that exchange's time)."""
        if role not in ROLES:
            raise ValueError(f"unknown evidence role {role!r} (one of {', '.join(ROLES)})")
        digest = hashlib.sha256(data).hexdigest()
        with self._lock:
            self._seq += 1
            rel = f"{self._seq:05d}-{safe_name(kind, 24)}-{safe_name(name)}"
            (self.root / rel).write_bytes(data)
            ref = EvidenceRef(
                seq=self._seq,
                path=rel,
                sha256=digest,
                size=len(data),
                kind=kind,
                time=time or now_iso(),
                scenario=scenario if scenario is not None else self.scenario,
                requirements=list(requirements or []),
                meta=dict(meta or {}),
                role=role,
            )
            self._refs.append(ref)
            self._journal.write(json.dumps(ref.to_json(), ensure_ascii=False) + "\n")
            self._journal.flush()
        return ref

    def attach(
        self,
        kind: str,
        name: str,
        data: bytes,
        *,
        role: str = DUI,
        time: str | None = None,
        meta: dict[str, Any] | None = None,
    ) -> EvidenceRef:
        """Like `record`, but bytes already recorded under `kind` are not written twice (the parts of a
        request judged by forty scenarios, the CA bundle every TLS check reads).

        The entry says so (`meta.attached`): a parallel run's merge keeps such bytes once across its
        workers' journals, as this journal keeps them once (`engine.parallel_refs`)."""
        key = (kind, hashlib.sha256(data).hexdigest())
        with self._lock:
            known = self._attached.get(key)
            after = self._seq
        if known is not None:
            if self.attached_again is not None:
                seen = {"scenario": self.scenario, "after": after, "role": role, "time": time or now_iso()}
                self.attached_again(known, seen)
            return known
        ref = self.record(kind, name, data, role=role, time=time, meta={**(meta or {}), "attached": True})
        with self._lock:
            return self._attached.setdefault(key, ref)

    def record_json(self, kind: str, name: str, obj: Any, **kw: Any) -> EvidenceRef:
        """`obj` as indented UTF-8 JSON (the harness's own records: roles OBSERVED and JUDGEMENT)."""
        data = jsontext.pretty(obj, default=str)
        return self.record(kind, name if name.endswith(".json") else name + ".json", data, **kw)

    def tag(self, ref: EvidenceRef, requirements: list[str]) -> None:
        """Link evidence to the requirements a scenario judged on it."""
        with self._lock:
            for r in requirements:
                if r not in ref.requirements:
                    ref.requirements.append(r)

    def refs(self, scenario: str | None = None) -> list[EvidenceRef]:
        with self._lock:
            return [r for r in self._refs if scenario is None or r.scenario == scenario]

    def write_index(self, *, compact: bool = False) -> Path:
        with self._lock:
            entries = [r.to_json() for r in self._refs]
        path = self.root / "index.json"
        write_json_atomic(path, {"schema": INDEX_SCHEMA, "entries": entries}, compact=compact)
        return path

    def close(self) -> None:
        self.write_index()
        with self._lock:
            if not self._journal.closed:
                self._journal.close()


def read_journal(root: Path) -> list[dict[str, Any]]:
    """Rebuild the list from journal.jsonl, tolerating a last line cut by a kill."""
    return read_jsonl(Path(root) / "journal.jsonl")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The objects of an append-only JSON-lines file (journal.jsonl, scenarios.jsonl), up to a line cut by a
    kill; [] when it cannot be read."""
    out: list[dict[str, Any]] = []
    try:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return out
    for line in lines:
        try:
            row = jsontext.loads(line)
        except json.JSONDecodeError:
            break
        if isinstance(row, dict):
            out.append(row)
    return out


ZIP_DATE = (2026, 1, 1, 0, 0, 0)  # fixed: the bundle's bytes depend only on the evidence


def write_evidence_zip(evidence_dir: Path, zip_path: Path) -> Path:
    """evidence.zip: index.json plus every file it lists, so one file carries the whole proof."""
    import zipfile

    index = json.loads((Path(evidence_dir) / "index.json").read_text(encoding="utf-8"))
    tmp = zip_path.with_name(zip_path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("index.json", ZIP_DATE), (Path(evidence_dir) / "index.json").read_bytes())
        for entry in index["entries"]:
            name = safe_name(entry["path"], limit=200)
            zf.writestr(zipfile.ZipInfo(name, ZIP_DATE), (Path(evidence_dir) / name).read_bytes())
    os.replace(tmp, zip_path)
    return zip_path
