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
@click.option("--jsonl", "as_jsonl", is_flag=True, help="One JSON object per submission, then a summary line.")
def verify_batch(paths: tuple[Path, ...], jobs: int, scheduler: str | None, shared_files: bool, as_jsonl: bool) -> None:
    """Verify every certificate under PATHS against its evidence (a run folder, or certificate.html with
    evidence.zip): exit 0 when all are valid, 1 when one is not."""
    from conformance.engine.batch_dask import DaskUnavailable
    from conformance.engine.batch_verify import judge_local, judge_on_cluster, submissions

    if shared_files and not scheduler:
        raise UsageFailure("--shared-files goes with --scheduler")
    found = submissions(paths)
    counts = {"valid": 0, "invalid": 0}
    try:
        results = (
            judge_on_cluster(found, scheduler, shared_files=shared_files) if scheduler else judge_local(found, jobs)
        )
        for r in results:
            counts["valid" if r["valid"] else "invalid"] += 1
            _print(r, as_jsonl)
    except DaskUnavailable as exc:
        raise UsageFailure(str(exc)) from exc
    if as_jsonl:
        click.echo(json.dumps({"summary": counts}, separators=(",", ":")))
    else:
        click.echo(f"{sum(counts.values())} submissions: {counts['valid']} valid, {counts['invalid']} invalid")
    sys.exit(1 if counts["invalid"] else 0)


def _print(r: dict[str, Any], as_jsonl: bool) -> None:
    if as_jsonl:
        click.echo(json.dumps(r, ensure_ascii=False, separators=(",", ":")))
        return
    click.echo(f"{r['submission']}: {'valid' if r['valid'] else 'invalid'}")
    for problem in r["problems"]:
        click.echo(f"  - {problem}")
