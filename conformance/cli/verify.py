"""`conformance verify CERTIFICATE`: is a certificate someone handed you valid, and signed by whom."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from conformance.cli.common import echo_json


@click.command()
@click.argument("certificate", type=click.Path(path_type=Path))
@click.option(
    "--evidence",
    type=click.Path(path_type=Path),
    default=None,
    help="Run folder, its evidence/ folder, or evidence.zip: re-hash every evidence file.",
)
@click.option(
    "--trust",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="PEM file of trusted signer CAs; without it only integrity and self-consistency are checked.",
)
@click.option("--json", "as_json", is_flag=True)
def verify(certificate: Path, evidence: Path | None, trust: Path | None, as_json: bool) -> None:
    """Answer valid/invalid for a certificate.html (exit 0 valid, 1 invalid)."""
    from conformance.certificate.verify import verify_certificate

    result = verify_certificate(certificate, evidence, trust)
    if as_json:
        echo_json(result.to_json())
    else:
        click.echo("valid" if result.valid else "invalid")
        for problem in result.problems:
            click.echo(f"  - {problem}")
        if result.valid and result.payload and result.payload.get("signer", {}).get("auto_attested"):
            click.echo("  (auto-attesté: signed by the producing installation's own key)")
    sys.exit(0 if result.valid else 1)
