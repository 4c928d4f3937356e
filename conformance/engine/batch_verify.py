"""Checking many submitted runs at once: `conformance verify-batch PATH...`, locally or on a Dask cluster.

A body that receives the certificates of hundreds of grappes checks each submission, a run folder (or
a folder holding a `certificate.html` and its `evidence.zip`), on its own: the signature, the page
against its signed content, every evidence file against the signed index. `judge_submission` is the
unit of work; it is what a local process or a Dask worker runs, one submission at a time, through the
same chunking, bounded window and ordered read-back as batch validation (`engine.batch`).

Re-judging (issue 10: re-running every check of the certificate's rule set on the recorded evidence,
`conformance verify --rejudge`) belongs in `judge_submission`, next to the integrity check, so that it
reaches the cluster with no other change.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from conformance.engine.batch import WINDOW, chunks, in_order, start_method

CERTIFICATE = "certificate.html"
EVIDENCE_ZIP = "evidence.zip"
MAX_SHIPPED = 512 * 1024 * 1024  # a submission larger than this is judged where it lies, not shipped


def submissions(paths: Iterable[Path]) -> Iterator[Path]:
    """Each folder holding a certificate.html under `paths`, in name order (a run folder is not entered)."""
    for path in paths:
        if (path / CERTIFICATE).is_file() or not path.is_dir():
            yield path
            continue
        for root, dirs, files in os.walk(path):
            dirs.sort()
            if CERTIFICATE in files:
                dirs[:] = []
                yield Path(root)


def evidence_of(folder: Path) -> list[Path]:
    """Every evidence the certificate must hold against: the evidence/ folder and evidence.zip, those present
    (a run folder has both; either may have been altered). None present: the folder itself, which fails."""
    found = [p for p in (folder / "evidence", folder / EVIDENCE_ZIP) if p.exists()]
    return found or [folder]


def judge_submission(folder: str, label: str | None = None) -> dict[str, Any]:
    """The verdict on one submission: valid or not, and every problem found (with the evidence it is about)."""
    from conformance.certificate.verify import verify_certificate

    where = Path(folder)
    results = [(source, verify_certificate(where / CERTIFICATE, source)) for source in evidence_of(where)]
    common = set.intersection(*(set(r.problems) for _, r in results))  # about the certificate itself
    problems = [p for p in results[0][1].problems if p in common]
    for source, r in results:
        problems += [f"{source.name}: {p}" for p in r.problems if p not in common]
    payload = next((r.payload for _, r in results if r.payload), None) or {}
    return {
        "submission": label or folder,
        "valid": not problems,
        "problems": problems,
        "certificate_id": payload.get("certificate_id"),
    }


def judge_chunk(folders: list[str]) -> list[dict[str, Any]]:
    return [judge_submission(f) for f in folders]


def judge_shipped(items: list[tuple[str, dict[str, bytes]]]) -> list[dict[str, Any]]:
    """Submissions sent as bytes, judged in a private temporary folder laid out as the submission was."""
    out = []
    for label, files in items:
        with tempfile.TemporaryDirectory(prefix="dui-submission-") as tmp:
            for name, data in files.items():
                parts = name.split("/")
                if (
                    len(parts) > 2
                    or any(p in ("", ".", "..") for p in parts)
                    or (len(parts) == 2 and parts[0] != "evidence")
                ):
                    continue  # only certificate.html, evidence.zip and evidence/<file> are laid out
                target = Path(tmp, *parts)
                target.parent.mkdir(exist_ok=True)
                target.write_bytes(data)
            out.append(judge_submission(tmp, label))
    return out


def shipped(folder: Path) -> dict[str, bytes]:
    """What travels to a worker: the certificate, evidence.zip and the evidence/ folder's files (those
    present; a submission above MAX_SHIPPED in all travels without the rest, and fails on the worker)."""
    paths = [folder / CERTIFICATE, folder / EVIDENCE_ZIP]
    if (folder / "evidence").is_dir():
        paths += sorted(p for p in (folder / "evidence").iterdir() if p.is_file())
    files: dict[str, bytes] = {}
    total = 0
    for path in paths:
        if not path.is_file():
            continue
        total += path.stat().st_size
        if total > MAX_SHIPPED:
            break
        files[path.relative_to(folder).as_posix()] = path.read_bytes()
    return files


def judge_local(folders: Iterable[Path], jobs: int = 1) -> Iterator[dict[str, Any]]:
    if jobs <= 1:
        for chunk in chunks(folders, 1):
            yield from judge_chunk(chunk)
        return
    context = multiprocessing.get_context(start_method())
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        yield from in_order(lambda chunk: pool.submit(judge_chunk, chunk), chunks(folders, 1), jobs * WINDOW)


def judge_on_cluster(folders: Iterable[Path], address: str, *, shared_files: bool = False) -> Iterator[dict[str, Any]]:
    """The same verdicts from the workers of a Dask cluster (bytes shipped, or paths on shared storage)."""
    from conformance.engine.batch_dask import check_workers, connect

    client = connect(address)
    try:
        threads = check_workers(client)

        def submit(chunk: list[str]) -> Any:
            if shared_files:
                return client.submit(judge_chunk, chunk, pure=False)
            return client.submit(judge_shipped, [(f, shipped(Path(f))) for f in chunk], pure=False)

        yield from in_order(submit, chunks(folders, 1), max(threads, 1) * WINDOW)
    finally:
        client.close()
