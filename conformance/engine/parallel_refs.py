"""References between evidence entries, kept true when a parallel run's journals are merged.

A journal whose entries point at other entries (evidence-index/2, issue 10) does so by the entry's
file name in the evidence folder: a judgement record (kind `judgement`) names the artifact it judged
(`artifact.path`) and every part or file its checks read (`{"$evidence": path}`, `{"$file": path}`).
The merge renames every file (`00001-...`, in collection order), so such records are rewritten with
their worker's renaming, and their SHA-256 and size computed again; nothing else in them changes.

A journal also keeps some bytes once per run (`EvidenceJournal.attach`: the same kind and bytes, for
example the MTOM parts forty DMP rule scenarios judge, or the CA bundle every TLS check reads). Two
workers each keep their own copy; a serial run keeps one, under the first scenario that attached it.
A worker's journal keeps its copy under the first scenario that worker ran, which need not be the first
in collection order among the scenarios it ran (whole modules are handed out largest first): so each
worker also notes every later `attach` of bytes it already kept, and by which scenario
(`note_attached_again`, `attached-again.jsonl` in its folder). The merge credits each copy to the
earliest scenario in collection order among all that attached it (`credit`), keeps the copy first in
that order, with every requirement any worker tagged on it, and references to the other copies lead to
it. An entry counts as attached when it says so (`attach` writes `"attached": true` in its `meta`; a
top-level mark is read too).

This module knows entries only as the dicts of the workers' `index.json`: whatever other fields a
journal records (role, capture time...) are carried over untouched.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance.engine.judgement import BYTES, FILE, KIND
from conformance.jsontext import loads, pretty

if TYPE_CHECKING:
    from conformance.engine.evidence import EvidenceJournal, EvidenceRef

JUDGEMENT_KINDS = frozenset({KIND})  # entries whose JSON body names other entries by path
PATH_KEYS = frozenset({BYTES, FILE})  # a judgement's reference to another entry's bytes

Renaming = dict[str, str]  # a worker's file name -> the merged file name
AGAIN_FILE = "attached-again.jsonl"  # in each worker's folder: attaches its journal answered with a kept copy
Place = tuple[int, str, int, int]  # (scenario's position, worker, journal seq, 0 = recorded / 1 = noted after it)


def is_attached(entry: dict[str, Any]) -> bool:
    meta = entry.get("meta")
    marked = bool(entry.get("attached")) or (isinstance(meta, dict) and bool(meta.get("attached")))
    return marked


def attach_key(entry: dict[str, Any]) -> tuple[str, str] | None:
    """What makes two attached entries one (kind and bytes), None for an entry recorded on its own."""
    return (str(entry.get("kind")), str(entry.get("sha256"))) if is_attached(entry) else None


def note_attached_again(journal: EvidenceJournal, folder: Path) -> None:
    """On a worker: one line in `folder/attached-again.jsonl` for each scenario's first `attach` of bytes the
    journal already kept (which scenario asked, after which entry, with which role and capture time),
    flushed as it comes so an interrupted worker keeps its notes."""
    path = folder / AGAIN_FILE
    lock = threading.Lock()
    noted: set[tuple[str, str, Any]] = set()  # only a scenario's first attach of the bytes places them

    def note(kept: EvidenceRef, seen: dict[str, Any]) -> None:
        line = json.dumps({"kind": kept.kind, "sha256": kept.sha256, **seen}, ensure_ascii=False)
        with lock:
            if (kept.kind, kept.sha256, seen.get("scenario")) in noted:
                return
            noted.add((kept.kind, kept.sha256, seen.get("scenario")))
            with path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")

    journal.attached_again = note


def attached_again(folder: Path) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """A worker's notes by attach key (kind, SHA-256); a line cut by a kill ends them."""
    path = folder / AGAIN_FILE
    notes: dict[tuple[str, str], list[dict[str, Any]]] = {}
    if not path.is_file():
        return notes
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            seen = json.loads(line)
            key = (str(seen["kind"]), str(seen["sha256"]))
        except (ValueError, KeyError, TypeError):
            break
        notes.setdefault(key, []).append(seen)
    return notes


def credit(
    entry: dict[str, Any], place: Place, notes: list[dict[str, Any]], pos: dict[str, int]
) -> tuple[Place, dict[str, Any]]:
    """An attached entry credited as a serial journal would: to the earliest scenario in collection order
    among those of its worker that attached it (`notes`: that worker's later attaches of the same bytes),
    with that attach's role and capture time, placed after the entry the journal held when it came."""
    for seen in notes:
        there = (pos.get(str(seen.get("scenario") or ""), len(pos)), place[1], int(seen.get("after") or 0), 1)
        if there < place:
            place = there
            entry = {
                **entry,
                "scenario": seen.get("scenario"),
                "role": seen.get("role", entry.get("role")),
                "time": seen.get("time", entry.get("time")),
            }
    return place, entry


def keep_first(kept: dict[str, Any], copy: dict[str, Any]) -> None:
    """A later copy of attached bytes: its requirement tags go to the kept entry (a serial journal tags
    the one entry it keeps)."""
    tags = list(kept.get("requirements") or [])
    tags += [r for r in copy.get("requirements") or [] if r not in tags]
    kept["requirements"] = tags


def names_entries(entry: dict[str, Any]) -> bool:
    return str(entry.get("kind")) in JUDGEMENT_KINDS


def rename_in(value: Any, renaming: Renaming) -> Any:
    """`value` with every `{"$evidence": path}` and `{"$file": path}` renamed."""
    if isinstance(value, list):
        return [rename_in(v, renaming) for v in value]
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)) in PATH_KEYS and isinstance(next(iter(value.values())), str):
            ((k, v),) = value.items()
            return {k: renaming.get(v, v)}
        return {k: rename_in(v, renaming) for k, v in value.items()}
    return value


def rewritten(file: Path, renaming: Renaming) -> bytes | None:
    """A judgement record's bytes with its references renamed; None when nothing changes (or it is not
    JSON): the file is then kept as it is. Written as `EvidenceJournal.record_json` writes it."""
    try:
        body = file.read_bytes()
        data = loads(body)
    except (OSError, ValueError):
        return None
    data = rename_in(data, renaming)
    artifact = data.get("artifact") if isinstance(data, dict) else None
    if isinstance(artifact, dict) and isinstance(artifact.get("path"), str):
        artifact["path"] = renaming.get(artifact["path"], artifact["path"])
    new = pretty(data, default=str)
    return None if new == body else new


def with_body(entry: dict[str, Any], body: bytes) -> dict[str, Any]:
    return {**entry, "sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}
