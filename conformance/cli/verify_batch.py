"""`conformance verify-batch PATH...`: check every submitted run under PATH (one machine or a Dask cluster)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from conformance.cli.common import UsageFailure, jobs_option


@click.command("verify-batch")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@jobs_option("Worker processes.")
@click.option("--scheduler", metavar="tcp://HOST:PORT", default=None, help="Judge on this Dask cluster's workers.")
@click.option("--shared-files", is_flag=True, help="With --scheduler: the workers read the folders (shared storage).")
@click.option(
    "--trust",
    type=click.Path(path_type=Path, exists=True),
    default=None,
    help="Trust list (as `conformance verify --trust`): without it a signer is at best 'intact, signer not trusted'.",
)
@click.option(
    "--crl",
    "crls",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    multiple=True,
    help="CRL (PEM or DER, repeatable) to check each signer's chain against.",
)
@click.option(
    "--rejudge",
    is_flag=True,
    help="Run every recorded check again on each submission's evidence and say each requirement confirmed or "
    "contradicted (a contradicted verdict makes the submission invalid).",
)
@click.option("--jsonl", "as_jsonl", is_flag=True, help="One JSON object per submission, then a summary line.")
def verify_batch(
    paths: tuple[Path, ...],
    jobs: int,
    scheduler: str | None,
    shared_files: bool,
    trust: Path | None,
    crls: tuple[Path, ...],
    rejudge: bool,
    as_jsonl: bool,
) -> None:
    """Verify every certificate under PATHS against its evidence (a run folder, or certificate.html with
    evidence.zip): exit 0 when all are valid, 1 when one is invalid, 3 when none is but a signer is not
    trusted (as `conformance verify`)."""
    from conformance.certificate.trust import TrustError
    from conformance.engine.batch_dask import DaskUnavailable
    from conformance.engine.batch_verify import VerifySettings, judge_local, judge_on_cluster, submissions

    if shared_files and not scheduler:
        raise UsageFailure("--shared-files goes with --scheduler")
    try:
        settings = VerifySettings.load(trust, crls, rejudge)
    except TrustError as exc:
        raise UsageFailure(str(exc)) from exc
    found = submissions(paths)
    counts = dict.fromkeys(STATUSES.values(), 0)
    try:
        results = (
            judge_on_cluster(found, scheduler, shared_files=shared_files, settings=settings)
            if scheduler
            else judge_local(found, jobs, settings)
        )
        for r in results:
            counts[STATUSES[r["status"]]] += 1
            _print(r, as_jsonl)
    except DaskUnavailable as exc:
        raise UsageFailure(str(exc)) from exc
    if as_jsonl:
        click.echo(json.dumps({"summary": counts}, separators=(",", ":")))
    else:
        click.echo(
            f"{sum(counts.values())} submissions: {counts['valid']} valid, {counts['not-trusted']} intact with a "
            f"signer not trusted, {counts['invalid']} invalid"
        )
    sys.exit(1 if counts["invalid"] else 3 if counts["not-trusted"] else 0)


# verify's statuses, by the key the summary counts them under
STATUSES = {"valid": "valid", "intact, signer not trusted": "not-trusted", "invalid": "invalid"}


def _print(r: dict[str, Any], as_jsonl: bool) -> None:
    if as_jsonl:
        click.echo(json.dumps(r, ensure_ascii=False, separators=(",", ":")))
        return
    click.echo(f"{r['submission']}: {r['status']}")
    for problem in r["problems"]:
        click.echo(f"  - {problem}")
    again = r.get("rejudged")
    if again is not None:
        click.echo(
            f"  re-judged {again['judgements']} judgements: {again['confirmed']} requirement(s) confirmed, "
            f"{len(again['contradicted'])} contradicted"
        )
