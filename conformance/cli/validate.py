"""`conformance validate PATH...`: which rule a saved artifact fails, and where (same checks as a run).

Directories are walked; with `--jobs N` files are validated by N worker processes, with
`--scheduler tcp://HOST:PORT` by the workers of a Dask cluster (extra `[distributed]`). `--jsonl`
streams one JSON object per file and ends with a summary object, so memory stays flat over any number
of files; a progress bar shows on a terminal.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from conformance.cli.common import SharedOptions, UsageFailure, echo_json, jobs_option, socles_from, usage_errors


def _parse_at(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        at = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 date-time (2026-01-31T14:05:00+01:00)") from None
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


@click.command(cls=SharedOptions)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list, one object per file.")
@click.option(
    "--jsonl",
    "as_jsonl",
    is_flag=True,
    help="Stream one JSON object per line and file, then one {'summary': ...} line (memory flat).",
)
@jobs_option("Worker processes (each opens the options' packs once and keeps them).")
@click.option(
    "--scheduler",
    metavar="tcp://HOST:PORT",
    default=None,
    help="Validate on the workers of this Dask distributed cluster (pip install 'dui-conformance[distributed]').",
)
@click.option(
    "--shared-files",
    is_flag=True,
    help="With --scheduler: the workers read the paths themselves (shared storage) instead of receiving the bytes.",
)
@click.option(
    "--progress/--no-progress", default=None, help="Progress bar on stderr (default: when stderr is a terminal)."
)
@click.option(
    "--at",
    "at",
    metavar="TIME",
    help="Capture time of the files (ISO 8601; UTC when no offset): time-dependent rules judge against it. "
    "Without it they use the validation time or say they cannot judge.",
)
@click.option(
    "--trust",
    "trust",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="CA.pem",
    help="Trust anchors (PEM, repeatable) for the signers of VIHF and XAdES signatures. Without anchors "
    "signer trust is reported not evaluated, never passed.",
)
@click.option(
    "--crl",
    "crls",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Certificate revocation lists (PEM or DER, repeatable) for the signers' chains.",
)
def validate(
    files: tuple[Path, ...],
    as_json: bool,
    as_jsonl: bool,
    jobs: int,
    scheduler: str | None,
    shared_files: bool,
    progress: bool | None,
    at: str | None,
    trust: tuple[Path, ...],
    crls: tuple[Path, ...],
    **values: object,
) -> None:
    """Check saved artifacts (e-mail, XDM zip, CDA, SOAP request, FHIR, PDF...), everything they hold, or
    folders of them: which rule fails, and where.

    A run folder (or its evidence/ folder, or evidence.zip) is validated as the run judged it: only what the
    DUI sent, with the recorded contexts, at each exchange's capture time (--at does not apply to it). Run
    folders are validated in this process after the other files.
    """
    from conformance.engine.batch import BatchSettings, Summary, count
    from conformance.engine.options import apply, normalise, options_for
    from conformance.engine.validate_evidence import is_evidence
    from conformance.formats.trust import TrustError, TrustStore
    from conformance.socle import installed_socles

    if as_json and as_jsonl:
        raise UsageFailure("--json and --jsonl: choose one output")
    if shared_files and not scheduler:
        raise UsageFailure("--shared-files goes with --scheduler")
    given = normalise(options_for("validate"), values)
    wanted = socles_from(given["socle"]) if given["socle"] else None
    with usage_errors():
        apply(given, installed_socles().values())  # every socle: its checks may run on these files
    when = _parse_at(at)
    if crls and not trust:
        raise click.UsageError("--crl needs --trust: revocation is checked along a chain to trust anchors")
    if trust:
        try:
            TrustStore.load(trust, crls)  # read once here: an unreadable anchor is a usage error, not a verdict
        except TrustError as exc:
            raise click.BadParameter(str(exc), param_hint="--trust/--crl") from None
    settings = BatchSettings(
        values=given,
        socles=tuple(wanted) if wanted is not None else None,
        at=when.isoformat() if when else "",
        trust=tuple(map(str, trust)),
        crls=tuple(map(str, crls)),
    )
    show = sys.stderr.isatty() if progress is None else progress
    total = count(files) if show and not any(is_evidence(p) for p in files) else None
    results = _results(files, settings, jobs, scheduler, shared_files)
    summary = Summary()
    listed: list[dict[str, Any]] = []
    with _bar(show, total) as advance:
        for r in results:
            summary.add(r)
            advance()
            if as_jsonl:
                click.echo(_line(r))
            elif as_json:
                listed.append(r)
            else:
                _print_text(r)
    if as_jsonl:
        click.echo(_line(summary.to_json()))
    elif as_json:
        echo_json(listed)
    elif summary.files > 1:
        for line in summary.lines():
            click.echo(line)
    sys.exit(1 if summary.failed else 0)


def _results(
    given: tuple[Path, ...], settings: Any, jobs: int, scheduler: str | None, shared_files: bool
) -> Iterator[dict[str, Any]]:
    """The files first (batch or cluster), then each run folder's evidence, here: its judgements name
    parts and contexts in its own store, and no check runs in this process before the workers fork."""
    from conformance.engine.batch import walk
    from conformance.engine.validate_evidence import is_evidence

    files = walk(p for p in given if not is_evidence(p))
    if scheduler:
        from conformance.engine.batch_dask import DaskUnavailable, validate_on_cluster

        try:
            yield from validate_on_cluster(files, settings, scheduler, shared_files=shared_files)
        except DaskUnavailable as exc:
            raise UsageFailure(str(exc)) from exc
    else:
        from conformance.engine.batch import validate_files

        yield from validate_files(files, settings, jobs)
    yield from _evidence_results([p for p in given if is_evidence(p)], settings)


def _evidence_results(sources: list[Path], settings: Any) -> Iterator[dict[str, Any]]:
    if not sources:
        return
    from conformance.engine.evidence_store import EvidenceError
    from conformance.engine.validate_evidence import validate_evidence
    from conformance.socle import load_all_checks

    load_all_checks()
    for path in sources:
        try:
            found = validate_evidence(path, settings.socles, extra=settings.extra())
        except EvidenceError as exc:
            raise UsageFailure(f"{path}: {exc}") from exc
        yield from (r.to_json() for r in found)


def _line(data: dict[str, Any]) -> str:
    import json

    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _print_text(r: dict[str, Any]) -> None:
    click.echo(f"{r['file']}: {r['kind']}: {str(r['verdict']).upper()}")
    parts = {p["sha256"]: p["name"] for p in (r.get("parts") or [])[1:]}  # the artifacts the file holds
    for f in r["findings"]:
        if f["verdict"] != "pass":
            part = parts.get(f.get("evidence") or "")
            where = f"[{part}] {f['location']}" if part else f["location"]
            click.echo(f"  {str(f['verdict']).upper():<14} {f['requirement']:<12} {where}\n  {'':14} {f['message']}")


class _bar:
    """A rich progress bar on stderr, or nothing (a pipe, a CI log, --no-progress).

    Refreshed from the loop, not by rich's refresh thread: worker processes are forked while it shows.
    """

    def __init__(self, show: bool, total: int | None) -> None:
        self.show, self.total = show, total
        self.progress: Any = None
        self.last = 0.0

    def __enter__(self) -> Any:
        if not self.show:
            return lambda: None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn("validate"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
            auto_refresh=False,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self.progress.start()
        task = self.progress.add_task("validate", total=self.total)

        def advance() -> None:
            self.progress.update(task, advance=1)
            now = time.monotonic()
            if now - self.last > 0.1:
                self.last = now
                self.progress.refresh()

        return advance

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()
