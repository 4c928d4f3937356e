"""`conformance validate FILE...`: which rule a saved artifact fails, and where (same checks as a run)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from conformance.cli.common import SharedOptions, UsageFailure, echo_json, socles_from, usage_errors


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
    at: str | None,
    trust: tuple[Path, ...],
    crls: tuple[Path, ...],
    **values: object,
) -> None:
    """Check saved artifacts (e-mail, XDM zip, CDA, SOAP request, FHIR, PDF...) and everything they hold:
    which rule fails, and where.

    A run folder (or its evidence/ folder, or evidence.zip) is validated as the run judged it: only what the
    DUI sent, with the recorded contexts, at each exchange's capture time (--at does not apply to it).
    """
    from conformance.engine.options import apply, normalise, options_for
    from conformance.engine.validate import FileResult, validate_path
    from conformance.formats.trust import TrustError, TrustStore
    from conformance.model import CheckContext
    from conformance.socle import installed_socles, load_all_checks

    given = normalise(options_for("validate"), values)
    wanted = socles_from(given["socle"]) if given["socle"] else None
    with usage_errors():
        apply(given, installed_socles().values())  # every socle: its checks may run on these files
    when = _parse_at(at)
    if crls and not trust:
        raise click.UsageError("--crl needs --trust: revocation is checked along a chain to trust anchors")
    extra: dict[str, object] = {}
    if trust:
        try:
            extra["trust"] = TrustStore.load(trust, crls)
        except TrustError as exc:
            raise click.BadParameter(str(exc), param_hint="--trust/--crl") from None
    ctx = CheckContext(extra=extra, at=when, at_source="given" if when else "")
    load_all_checks()
    from conformance.engine.evidence_store import EvidenceError
    from conformance.engine.validate_evidence import is_evidence, validate_evidence

    results: list[FileResult] = []
    for path in files:
        if is_evidence(path):
            try:
                results.extend(validate_evidence(path, wanted, extra=extra))
            except EvidenceError as exc:
                raise UsageFailure(f"{path}: {exc}") from exc
        else:
            results.append(validate_path(path, ctx, socles=wanted))
    if as_json:
        echo_json([r.to_json() for r in results])
    else:
        for r in results:
            click.echo(f"{r.file}: {r.kind}: {r.verdict.upper()}")
            for f in r.findings:
                if f.verdict.value != "pass":
                    part = r.part_of(f)
                    where = f"[{part.name}] {f.location}" if part is not None else f.location
                    click.echo(f"  {f.verdict.value.upper():<14} {f.requirement:<12} {where}\n  {'':14} {f.message_en}")
    sys.exit(1 if any(r.verdict == "fail" for r in results) else 0)
