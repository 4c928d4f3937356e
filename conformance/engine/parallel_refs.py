"""References between evidence entries, kept true when a parallel run's journals are merged.

A journal whose entries point at other entries (evidence-index/2, issue 10) does so by the entry's
file name in the evidence folder: a judgement record (kind `judgement`) names the artifact it judged
(`artifact.path`) and every part or file its checks read (`{"$evidence": path}`, `{"$file": path}`).
The merge renames every file (`00001-...`, in collection order), so such records are rewritten with
their worker's renaming, and their SHA-256 and size computed again; nothing else in them changes.

A journal also keeps some bytes once per run (`EvidenceJournal.attach`: the same kind and bytes, for
example the MTOM parts forty DMP rule scenarios judge, or the CA bundle every TLS check reads). Two
workers each keep their own copy; a serial run keeps one, under the first scenario that attached it.
The merge does the same: the copy first in collection order is kept, with every requirement any
worker tagged on it, and references to the other copies lead to it. An entry counts as attached when
it says so (`attach` writes `"attached": true` in its `meta`; a top-level mark is read too).

This module knows entries only as the dicts of the workers' `index.json`: whatever other fields a
journal records (role, capture time...) are carried over untouched.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from conformance.engine.judgement import BYTES, FILE, KIND

JUDGEMENT_KINDS = frozenset({KIND})  # entries whose JSON body names other entries by path
PATH_KEYS = frozenset({BYTES, FILE})  # a judgement's reference to another entry's bytes

Renaming = dict[str, str]  # a worker's file name -> the merged file name


def is_attached(entry: dict[str, Any]) -> bool:
    meta = entry.get("meta")
    marked = bool(entry.get("attached")) or (isinstance(meta, dict) and bool(meta.get("attached")))
    return marked


def attach_key(entry: dict[str, Any]) -> tuple[str, str] | None:
    """What makes two attached entries one (kind and bytes), None for an entry recorded on its own."""
    return (str(entry.get("kind")), str(entry.get("sha256"))) if is_attached(entry) else None


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
        data = json.loads(body)
    except (OSError, ValueError):
        return None
    data = rename_in(data, renaming)
    artifact = data.get("artifact") if isinstance(data, dict) else None
    if isinstance(artifact, dict) and isinstance(artifact.get("path"), str):
        artifact["path"] = renaming.get(artifact["path"], artifact["path"])
    new = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    return None if new == body else new


def with_body(entry: dict[str, Any], body: bytes) -> dict[str, Any]:
    return {**entry, "sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}
