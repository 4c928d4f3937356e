"""`conformance badge CERT`: an SVG badge of a certificate for a vendor's site, and its check."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from conformance.cli.common import UsageFailure

FILE = click.Path(path_type=Path, dir_okay=False)


@click.command()
@click.argument("certificate", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--out", type=FILE, default=None, help="SVG file to write (default: badge.svg beside the certificate).")
@click.option(
    "--link",
    default=None,
    help="Where the badge links to: the certificate's URL once published (default: the certificate's path "
    "relative to the badge).",
)
@click.option(
    "--check",
    "check",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    default=None,
    help="Check that this SVG is exactly the badge of CERTIFICATE (exit 0) or not (exit 1); writes nothing.",
)
def badge(certificate: Path, out: Path | None, link: str | None, check: Path | None) -> None:
    """Write the SVG badge of a valid certificate (socles counted, date, id, fingerprint), linked to it."""
    from conformance.dossier.badge import BadgeError, check_badge, facts, render_badge

    if check is not None:
        problems = check_badge(check.read_bytes(), certificate)
        click.echo("badge matches the certificate" if not problems else "badge does NOT match the certificate")
        for p in problems:
            click.echo(f"  - {p}")
        sys.exit(1 if problems else 0)
    target = out or certificate.with_name("badge.svg")
    href = link or Path(os.path.relpath(certificate.resolve(), target.resolve().parent)).as_posix()
    try:
        svg = render_badge(facts(certificate), href)
    except BadgeError as exc:
        raise UsageFailure(str(exc)) from exc
    target.write_bytes(svg)
    click.echo(str(target))
