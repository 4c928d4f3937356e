"""`conformance validate FILE...`: which rule a saved artifact fails, and where (same checks as a run)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from conformance.cli.common import SharedOptions, UsageFailure, echo_json, socles_from, usage_errors


@click.command(cls=SharedOptions)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list, one object per file.")
def validate(files: tuple[Path, ...], as_json: bool, **values: object) -> None:
    """Check saved artifacts (e-mail, XDM zip, CDA, PDF...): which rule fails, and where.

    A run folder (or its evidence/ folder, or evidence.zip) is validated as the run judged it: only what the
    DUI sent, with the recorded contexts, at each exchange's capture time.
    """
    from conformance.engine.options import apply, normalise, options_for
    from conformance.engine.validate import FileResult, validate_path
    from conformance.socle import installed_socles, load_all_checks

    given = normalise(options_for("validate"), values)
    wanted = socles_from(given["socle"]) if given["socle"] else None
    with usage_errors():
        apply(given, installed_socles().values())  # every socle: its checks may run on these files
    load_all_checks()
    from conformance.engine.evidence_store import EvidenceError
    from conformance.engine.validate_evidence import is_evidence, validate_evidence

    results: list[FileResult] = []
    for path in files:
        if is_evidence(path):
            try:
                results.extend(validate_evidence(path, wanted))
            except EvidenceError as exc:
                raise UsageFailure(f"{path}: {exc}") from exc
        else:
            results.append(validate_path(path, socles=wanted))
    if as_json:
        echo_json([r.to_json() for r in results])
    else:
        for r in results:
            click.echo(f"{r.file}: {r.kind}: {r.verdict.upper()}")
            for f in r.findings:
                if f.verdict.value != "pass":
                    click.echo(
                        f"  {f.verdict.value.upper():<14} {f.requirement:<12} {f.location}\n  {'':14} {f.message_en}"
                    )
    sys.exit(1 if any(r.verdict == "fail" for r in results) else 0)
