"""`conformance report RUN_DIR`: rebuild and re-sign a run's certificate without running it again.

The certificate keeps the run's own dates (results.json); only its issue and signing times are new.
Whatever results.json says, the verdicts stay re-judgeable from the evidence (`verify --rejudge`).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from conformance.cli.common import SharedOptions, UsageFailure, usage_errors


@click.command(cls=SharedOptions)
@click.argument("run_dir", type=click.Path(path_type=Path, exists=True, file_okay=False))
def report(run_dir: Path, **values: object) -> None:
    """Rebuild and re-sign the certificate from RUN_DIR/results.json without re-running."""
    from conformance.certificate.issue import issue_certificate
    from conformance.certificate.policy import PolicyError
    from conformance.certificate.sign import SigningError
    from conformance.engine.console import console_lang
    from conformance.engine.options import check_paths, normalise, options_for
    from conformance.engine.preflight import check_signing

    options = options_for("report")
    given = normalise(options, values)
    with usage_errors(console_lang(given["lang"])):
        check_paths(options, given)
        check_signing(given["sign_key"], given["sign_cert"])
    path = run_dir / "results.json"
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
        out = issue_certificate(
            run_dir,
            results,
            policy=given["policy"],
            key=given["sign_key"],
            cert=given["sign_cert"],
            crls=given["sign_crl"],
            witness=given["witness"],
            langs=tuple(dict.fromkeys(("fr", *given["lang"]))),
        )
    except (OSError, ValueError, KeyError, TypeError, PolicyError, SigningError) as exc:
        raise UsageFailure(f"cannot build a certificate from {path}: {exc}") from exc
    click.echo(str(out))
