"""Checking many submitted runs at once: `conformance verify-batch PATH...`, locally or on a Dask cluster.

A body that receives the certificates of hundreds of grappes checks each submission, a run folder (or
a folder holding a `certificate.html` and its `evidence.zip`), on its own: the signature, the page
against its signed content, every evidence file against the signed index. `judge_submission` is the
unit of work; it is what a local process or a Dask worker runs, one submission at a time, through the
same chunking, bounded window and ordered read-back as batch validation (`engine.batch`).

Each submission gets the answer `conformance verify` gives: `valid` (the signer chains to one of the
trust anchors given), `intact, signer not trusted`, or `invalid`, with the reasons. With `rejudge`,
every recorded judgement is made again on the evidence at its capture time (`engine.rejudge`, as
`conformance verify --rejudge`) and each requirement said confirmed or contradicted; a contradicted
verdict makes the submission invalid. The trust anchors and CRLs travel to the workers as DER bytes
(`VerifySettings`), loaded once by the client, so an unreadable trust list is a usage error.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
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


@dataclass(frozen=True)
class VerifySettings:
    """What every submission is verified with: trust anchors and CRLs (DER), and whether to re-judge."""

    anchors: tuple[bytes, ...] | None = None  # None: no trust list (at best "intact, signer not trusted")
    crls: tuple[bytes, ...] = ()
    rejudge: bool = False

    @classmethod
    def load(cls, trust: Path | None, crls: Iterable[Path] = (), rejudge: bool = False) -> VerifySettings:
        """From the files `conformance verify` takes (`TrustError` when one cannot be read)."""
        from cryptography.hazmat.primitives.serialization import Encoding

        from conformance.certificate.trust import load_anchors, read_crls

        anchors = tuple(c.public_bytes(Encoding.DER) for c in load_anchors(trust)) if trust is not None else None
        return cls(anchors, tuple(c.public_bytes(Encoding.DER) for c in read_crls(crls)), rejudge)


def _worst(statuses: Iterable[str]) -> str:
    from conformance.certificate.trust import INVALID, NOT_TRUSTED, VALID

    found = set(statuses)
    return next((s for s in (INVALID, NOT_TRUSTED) if s in found), VALID)


def judge_submission(folder: str, label: str | None = None, settings: VerifySettings | None = None) -> dict[str, Any]:
    """The verdict on one submission: its status, every problem found (with the evidence it is about) and,
    when re-judged, each requirement's verdict confirmed or contradicted by the evidence."""
    from cryptography import x509

    from conformance.certificate.verify import Verification, verify_certificate

    settings = settings or VerifySettings()
    anchors = [x509.load_der_x509_certificate(d) for d in settings.anchors] if settings.anchors is not None else None
    crls = [x509.load_der_x509_crl(d) for d in settings.crls]
    where = Path(folder)
    results: list[tuple[Path, Verification]] = []
    for source in evidence_of(where):
        # both copies of the evidence are checked against the signed index; one intact copy is re-judged
        again = settings.rejudge and not any(r.comparisons is not None for _, r in results)
        results.append((source, verify_certificate(where / CERTIFICATE, source, anchors, crls, rejudge_evidence=again)))
    common = set.intersection(*(set(r.problems) for _, r in results))  # about the certificate itself
    problems = [p for p in results[0][1].problems if p in common]
    for source, r in results:
        problems += [f"{source.name}: {p}" for p in r.problems if p not in common]
    payload = next((r.payload for _, r in results if r.payload), None) or {}
    status = _worst(r.status for _, r in results)
    out: dict[str, Any] = {
        "submission": label or folder,
        "status": status,
        "valid": status == "valid",
        "problems": problems,
        "certificate_id": payload.get("certificate_id"),
    }
    if settings.rejudge:
        out["rejudged"] = _rejudged(next((r for _, r in results if r.comparisons is not None), None))
    return out


def _rejudged(result: Any) -> dict[str, Any] | None:
    """Per socle and requirement: confirmed or contradicted (None: the evidence could not be re-judged,
    the problems say why)."""
    if result is None:
        return None
    requirements: dict[str, dict[str, str]] = {}
    for c in result.comparisons:
        requirements.setdefault(c.socle, {})[c.requirement] = c.status
    return {
        "judgements": result.rejudged,
        "confirmed": sum(1 for c in result.comparisons if c.status != "contradicted"),
        "contradicted": [c.to_json() for c in result.contradicted],
        "requirements": requirements,
    }


def judge_chunk(folders: list[str], settings: VerifySettings | None = None) -> list[dict[str, Any]]:
    return [judge_submission(f, settings=settings) for f in folders]


def judge_shipped(
    items: list[tuple[str, dict[str, bytes]]], settings: VerifySettings | None = None
) -> list[dict[str, Any]]:
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
            out.append(judge_submission(tmp, label, settings))
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


def judge_local(
    folders: Iterable[Path], jobs: int = 1, settings: VerifySettings | None = None
) -> Iterator[dict[str, Any]]:
    judge = partial(judge_chunk, settings=settings)
    if jobs <= 1:
        for chunk in chunks(folders, 1):
            yield from judge(chunk)
        return
    context = multiprocessing.get_context(start_method())
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        yield from in_order(lambda chunk: pool.submit(judge, chunk), chunks(folders, 1), jobs * WINDOW)


def judge_on_cluster(
    folders: Iterable[Path], address: str, *, shared_files: bool = False, settings: VerifySettings | None = None
) -> Iterator[dict[str, Any]]:
    """The same verdicts from the workers of a Dask cluster (bytes shipped, or paths on shared storage)."""
    from conformance.engine.batch_dask import check_workers, connect

    client = connect(address)
    try:
        threads = check_workers(client)

        def submit(chunk: list[str]) -> Any:
            if shared_files:
                return client.submit(_locked, judge_chunk, chunk, settings, pure=False)
            return client.submit(_locked, judge_shipped, [(f, shipped(Path(f))) for f in chunk], settings, pure=False)

        yield from in_order(submit, chunks(folders, 1), max(threads, 1) * WINDOW)
    finally:
        client.close()


def _locked(judge: Any, chunk: Any, settings: VerifySettings | None) -> list[dict[str, Any]]:
    """On a Dask worker: one chunk at a time per process, as batch validation (re-judging runs the checks)."""
    from conformance.engine.batch_dask import worker_lock

    with worker_lock():
        result: list[dict[str, Any]] = judge(chunk, settings)
        return result
