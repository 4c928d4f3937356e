"""Batch validation: `conformance validate --jobs N PATH...` over any number of files, memory flat.

Paths are walked lazily (directories in name order, so the output order is the same on every run),
files are validated in worker processes by `validate_path` (the one code path of `validate`), and
results come back in input order through a bounded window: whatever the number of files, the batch
holds at most `jobs * WINDOW` chunks in flight and keeps only counters (`Summary`), never the results.

Each worker process applies the option values once (its initializer), so a schematron pack, a FHIR
IG package or a terminology folder is opened once per worker, and a pack's compiled schematrons are
kept for the worker's whole life. On Linux the workers are forked before any check ran in the parent
(no Saxon state is ever forked); elsewhere they are spawned.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from conformance.engine.validate import DEFAULT_MAX_BYTES

CHUNK = 16  # files per task: enough to amortise a task's round trip, small enough to balance
WINDOW = 4  # chunks in flight per worker


@dataclass(frozen=True)
class BatchSettings:
    """What every worker applies once before validating: option values (by dest), socles, size bound."""

    values: dict[str, Any] = field(default_factory=dict)
    socles: tuple[str, ...] | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    at: str = ""  # `--at`: the capture time time-dependent rules judge against (ISO 8601), "" for none
    trust: tuple[str, ...] = ()  # `--trust` anchor files, read by each worker (paths: plain data to ship)
    crls: tuple[str, ...] = ()  # `--crl` files

    def extra(self) -> dict[str, Any]:
        """The checks' extra context: the signers' trust store when anchors are given."""
        from conformance.formats.trust import TrustStore

        return {"trust": TrustStore.load(self.trust, self.crls)} if self.trust else {}

    def context(self) -> Any:
        """The context every file of the batch is judged with (built once per worker)."""
        import datetime as dt

        from conformance.model import CheckContext

        at = dt.datetime.fromisoformat(self.at) if self.at else None
        return CheckContext(extra=self.extra(), at=at, at_source="given" if at else "")


def walk(paths: Iterable[Path]) -> Iterator[Path]:
    """Files under `paths`, lazily: a directory's entries in name order, recursively; a file as given.

    Symbolic links to directories are not followed (a loop cannot make the walk endless); a path
    that does not exist is yielded as given, so that validation reports it as unreadable.
    """
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    yield Path(root) / name
        else:
            yield path


def count(paths: Iterable[Path]) -> int:
    """How many files `walk` will yield (a cheap first pass, for a progress bar's total)."""
    return sum(1 for _ in walk(paths))


# -- the worker side ----------------------------------------------------------------------------

_SETTINGS: BatchSettings | None = None
_CONTEXT: Any = None  # the settings' CheckContext, built once per process


def prepare(settings: BatchSettings) -> None:
    """Apply the option values and load every socle's checks, once per process."""
    from conformance.engine.options import apply
    from conformance.socle import installed_socles, load_all_checks

    apply(settings.values, installed_socles().values())
    load_all_checks()
    _use(settings)


def _use(settings: BatchSettings) -> None:
    global _SETTINGS, _CONTEXT
    _SETTINGS, _CONTEXT = settings, settings.context()


def validate_chunk(paths: list[str]) -> list[dict[str, Any]]:
    """The JSON result of each file (the worker's task)."""
    from conformance.engine.validate import validate_path

    settings = _SETTINGS or BatchSettings()
    socles = list(settings.socles) if settings.socles is not None else None
    return [validate_path(p, _CONTEXT, socles=socles, max_bytes=settings.max_bytes).to_json() for p in paths]


def validate_named(items: list[tuple[str, bytes | str]]) -> list[dict[str, Any]]:
    """The JSON result of each (name, content) pair, for workers that cannot read the client's files;
    a content given as a string is why the client could not read the file (as validate_path says it)."""
    from conformance.engine.validate import validate_bytes

    settings = _SETTINGS or BatchSettings()
    socles = list(settings.socles) if settings.socles is not None else None
    return [
        unreadable(name, data)
        if isinstance(data, str)
        else validate_bytes(name, data, _CONTEXT, socles=socles, max_bytes=settings.max_bytes).to_json()
        for name, data in items
    ]


def unreadable(name: str, reason: str) -> dict[str, Any]:
    """The result `validate_path` gives for a file it cannot open."""
    from conformance.engine.messages import M
    from conformance.engine.validate import FileResult

    return FileResult(
        name, "unknown", "fail", [M.fail("HARNESS-INPUT", "input-unreadable", name, reason=reason)]
    ).to_json()


# -- the parent side ----------------------------------------------------------------------------


def chunks(files: Iterable[Path], size: int = CHUNK) -> Iterator[list[str]]:
    chunk: list[str] = []
    for f in files:
        chunk.append(str(f))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class Pending(Protocol):
    """A chunk's results to come: a concurrent.futures or a Dask future."""

    def result(self) -> list[dict[str, Any]]: ...


def in_order(
    submit: Callable[[list[str]], Pending], work: Iterator[list[str]], window: int
) -> Iterator[dict[str, Any]]:
    """Results in input order with at most `window` chunks in flight (memory bounded by the window)."""
    pending: deque[Pending] = deque()
    for chunk in work:
        pending.append(submit(chunk))
        while len(pending) >= window:
            yield from pending.popleft().result()
    while pending:
        yield from pending.popleft().result()


def start_method() -> str:
    """fork on Linux (workers inherit the imported harness; nothing has run in the parent), else spawn."""
    return "fork" if sys.platform.startswith("linux") else "spawn"


def validate_files(files: Iterable[Path], settings: BatchSettings, jobs: int = 1) -> Iterator[dict[str, Any]]:
    """One JSON result per file of `files`, in order; `jobs` worker processes (1: in this process). The
    settings' option values are applied in this process too, as each worker applies them: what a process
    was configured with before (an external PDF/A validator, a terminology folder) never makes one job
    judge otherwise than two."""
    if jobs <= 1:
        prepare(settings)
        for chunk in chunks(files):
            yield from validate_chunk(chunk)
        return
    context = multiprocessing.get_context(start_method())
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=prepare, initargs=(settings,)) as pool:
        yield from in_order(lambda chunk: pool.submit(validate_chunk, chunk), chunks(files), jobs * WINDOW)


@dataclass
class Summary:
    """Counters of a batch: files per kind and verdict, findings per requirement and verdict."""

    files: int = 0
    verdicts: dict[str, int] = field(default_factory=dict)
    kinds: dict[str, dict[str, int]] = field(default_factory=dict)
    requirements: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, result: dict[str, Any]) -> None:
        self.files += 1
        verdict = str(result["verdict"])
        self.verdicts[verdict] = self.verdicts.get(verdict, 0) + 1
        kind = self.kinds.setdefault(str(result["kind"]), {})
        kind[verdict] = kind.get(verdict, 0) + 1
        seen: dict[str, str] = {}  # a requirement counts once per file, at its worst verdict there
        for f in result["findings"]:
            rid, v = str(f["requirement"]), str(f["verdict"])
            if RANK.get(v, 0) >= RANK.get(seen.get(rid, ""), -1):
                seen[rid] = v
        for rid, v in seen.items():
            counts = self.requirements.setdefault(rid, {})
            counts[v] = counts.get(v, 0) + 1

    @property
    def failed(self) -> int:
        return self.verdicts.get("fail", 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "summary": {
                "files": self.files,
                "verdicts": dict(sorted(self.verdicts.items())),
                "kinds": {k: dict(sorted(v.items())) for k, v in sorted(self.kinds.items())},
                "requirements": {r: dict(sorted(v.items())) for r, v in sorted(self.requirements.items())},
            }
        }

    def lines(self) -> list[str]:
        """The summary as a person reads it at the end of a batch."""

        def counts(c: dict[str, int]) -> str:
            return ", ".join(f"{k} {v}" for k, v in sorted(c.items()))

        out = [f"{self.files} files: {counts(self.verdicts)}", "by kind:"]
        out += [f"  {kind:<22} {counts(c)}" for kind, c in sorted(self.kinds.items())]
        out.append("by requirement (files):")
        out += [f"  {rid:<22} {counts(c)}" for rid, c in sorted(self.requirements.items())]
        return out


RANK = {"not-applicable": 0, "pass": 1, "warn": 2, "fail": 3}
