"""Bytes a journal keeps once per run, kept once when a parallel run's journals are merged.

Entries never name each other by file name: a judgement record names what it judged and every part or file
its checks read by SHA-256 (`engine.judgement`, judgement/2), and a part names its container the same way
(`meta.part_of`). So the merge renumbers files (`00001-...`, in collection order) without touching a byte.

A journal also keeps some bytes once per run (`EvidenceJournal.attach`: the same kind and bytes, for
example the MTOM parts forty DMP rule scenarios judge, or the CA bundle every TLS check reads). Two
workers each keep their own copy; a serial run keeps one, under the first scenario that attached it.
A worker's journal keeps its copy under the first scenario that worker ran, which need not be the first
in collection order among the scenarios it ran (whole modules are handed out largest first): so each
worker also notes every later `attach` of bytes it already kept, and by which scenario
(`note_attached_again`, `attached-again.jsonl` in its folder). The merge credits each copy to the
earliest scenario in collection order among all that attached it (`credit`), keeps the copy first in
that order, with every requirement any worker tagged on it; a digest names the kept copy as well as
the others. An entry counts as attached when it says so (`attach` writes `"attached": true` in its `meta`; a
top-level mark is read too).

This module knows entries only as the dicts of the workers' `index.json`: whatever other fields a
journal records (role, capture time...) are carried over untouched.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance.jsontext import loads

if TYPE_CHECKING:
    from conformance.engine.evidence import EvidenceJournal, EvidenceRef

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
            seen = loads(line)
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
