"""`conformance pki`: the test PKI the mock services and the reference DUI use."""

from __future__ import annotations

from pathlib import Path

import click


@click.group()
def pki() -> None:
    """The test PKI (IGC-Santé-like test root, server, ORG client, rogue, expired, revoked)."""


@pki.command("init")
@click.argument("directory", type=click.Path(path_type=Path))
def pki_init(directory: Path) -> None:
    """Create (or reuse) the test PKI in DIRECTORY and print the paths of its files."""
    from conformance.formats.pki import TestPKI

    made = TestPKI.load_or_create(directory.resolve())
    for key, value in made.describe().items():
        click.echo(f"{key:<16} {value}")
