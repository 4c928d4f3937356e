"""A run's evidence read back: from its run folder, its `evidence/` folder or its `evidence.zip`.

`verify`, the re-judgement and the evidence-folder validation all read evidence the same way: the
index is parsed once, every path must be a plain file name of the evidence folder (nothing is ever
read outside it), a zip is opened with the hardened reader, and a file is handed out only when it
matches the SHA-256 and size its index entry gives.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from conformance.formats.safezip import ZipRefused, read_zip

MAX_EVIDENCE_BYTES = 1024 * 1024 * 1024
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # refuse a symbolic link as the last component of a name


class EvidenceError(ValueError):
    """The evidence cannot be read at all (no index, an unreadable zip)."""


def _plain(rel: str) -> bool:
    return bool(rel) and "/" not in rel and "\\" not in rel and not rel.startswith(".")


@dataclass
class EvidenceStore:
    """The entries of one evidence index and a reader of the files they list."""

    source: Path
    index_bytes: bytes
    _read: Callable[[str], bytes | None]
    _tmp: Path | None = field(default=None, repr=False)

    @cached_property
    def index(self) -> dict[str, Any]:
        try:
            data = json.loads(self.index_bytes)
        except ValueError as exc:
            raise EvidenceError(f"evidence index unreadable: {exc}") from exc
        if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
            raise EvidenceError("evidence index has no list of entries")
        return data

    @property
    def entries(self) -> list[dict[str, Any]]:
        return [e for e in self.index["entries"] if isinstance(e, dict)]

    @property
    def index_sha256(self) -> str:
        return hashlib.sha256(self.index_bytes).hexdigest()

    @cached_property
    def by_path(self) -> dict[str, dict[str, Any]]:
        return {str(e.get("path")): e for e in self.entries}

    @cached_property
    def by_sha(self) -> dict[str, list[str]]:
        """The listed files holding each digest (the same bytes may be listed under several kinds)."""
        out: dict[str, list[str]] = {}
        for e in self.entries:
            out.setdefault(str(e.get("sha256")), []).append(str(e.get("path")))
        return out

    def located(self, ref: str, by_digest: bool = True) -> list[str]:
        """The listed files a record's reference may name: by SHA-256 (judgement/2) or file name (/1)."""
        return self.by_sha.get(ref, []) if by_digest else [ref]

    def read_ref(self, ref: str, by_digest: bool = True) -> bytes | None:
        """The verified bytes a reference names (None when no listed file holds them intact)."""
        return next((d for d in map(self.read, self.located(ref, by_digest)) if d is not None), None)

    def file_ref(self, ref: str, by_digest: bool = True) -> Path | None:
        """A path holding the verified bytes a reference names (`file`), None when no listed file is intact."""
        return next((p for p in map(self.file, self.located(ref, by_digest)) if p is not None), None)

    def read(self, rel: str) -> bytes | None:
        """The bytes of a listed file, only when they match their entry (None otherwise)."""
        entry = self.by_path.get(rel)
        if entry is None or not _plain(rel):
            return None
        data = self._read(rel)
        if data is None or len(data) != entry.get("size") or hashlib.sha256(data).hexdigest() != entry.get("sha256"):
            return None
        return data

    def problems(self) -> list[str]:
        """Every listed file re-hashed: what is missing, altered or not a plain name of the folder."""
        out: list[str] = []
        for entry in self.index["entries"]:
            rel = str(entry.get("path", "")) if isinstance(entry, dict) else ""
            if not _plain(rel):
                out.append(f"evidence entry {rel!r} is not a plain file name of the evidence folder")
                continue
            data = self._read(rel)
            if data is None:
                out.append(f"evidence file {rel} is missing")
            elif hashlib.sha256(data).hexdigest() != entry.get("sha256") or len(data) != entry.get("size"):
                out.append(f"evidence file {rel} does not match its SHA-256 and size")
        return out

    def file(self, rel: str) -> Path | None:
        """A path on disk holding the verified bytes of `rel` (for a check that reads a file by name)."""
        data = self.read(rel)
        if data is None:
            return None
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix="dui-conformance-evidence-"))
        target = self._tmp / rel
        if not target.exists():
            target.write_bytes(data)
        return target

    def close(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None


def evidence_folder(source: Path) -> Path:
    """A run folder stands for its evidence/ folder; anything else is taken as given."""
    source = Path(source)
    if source.is_dir() and (source / "evidence" / "index.json").exists():
        return source / "evidence"
    return source


def open_evidence(source: Path) -> EvidenceStore:
    """The evidence of a run folder, an evidence folder or an evidence.zip (EvidenceError if unreadable)."""
    source = evidence_folder(source)
    if source.is_file():
        try:
            content = read_zip(source.read_bytes(), max_total=MAX_EVIDENCE_BYTES)
        except (OSError, ZipRefused) as exc:
            raise EvidenceError(f"cannot read {source}: {exc}") from exc
        if content.problems:
            raise EvidenceError("; ".join(f"{p.entry}: {p.message_en}" for p in content.problems[:5]))
        if "index.json" not in content.files:
            raise EvidenceError("evidence.zip holds no index.json")
        return EvidenceStore(source, content.files["index.json"], content.files.get)
    root = source.resolve()

    def read(rel: str) -> bytes | None:
        """A plain file name of the folder, read only when it is a regular file and not a symbolic link: a
        listed name cannot lead outside (nor to a FIFO that would block the reader)."""
        if not _plain(rel):
            return None
        if not NOFOLLOW:  # no O_NOFOLLOW on this system: resolve the name and stay inside the folder
            target = (root / rel).resolve()
            if not target.is_relative_to(root) or not target.is_file():
                return None
        try:
            fd = os.open(root / rel, os.O_RDONLY | NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            return None
        with os.fdopen(fd, "rb") as fh:
            return fh.read() if stat.S_ISREG(os.fstat(fd).st_mode) else None

    try:
        raw = (source / "index.json").read_bytes()
    except OSError as exc:
        raise EvidenceError(f"no evidence index in {source}: {exc.strerror or exc}") from exc
    return EvidenceStore(source, raw, read)


@contextmanager
def opened(source: Path) -> Iterator[EvidenceStore]:
    store = open_evidence(source)
    try:
        yield store
    finally:
        store.close()
