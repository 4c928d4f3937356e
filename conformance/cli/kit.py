"""`conformance kit DIR`: the connection kit (endpoints, CA bundle, certificates as PEM and PKCS#12, README)."""

from __future__ import annotations

from pathlib import Path

import click

from conformance.cli.common import SharedOptions, UsageFailure, socles_from, usage_errors


@click.command(cls=SharedOptions)
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True, help="Host the services are reached at.")
@click.option(
    "--port",
    "ports",
    multiple=True,
    metavar="NAME=N",
    help="A port other than the fixed default, as for `conformance serve` (SERVICE.NAME=N).",
)
@click.option("--p12-password", default="essai", show_default=True, help="Password of the PKCS#12 files.")
def kit(socle: tuple[str, ...], directory: Path, host: str, ports: tuple[str, ...], p12_password: str) -> None:
    """Write in DIRECTORY what a DUI test instance needs to use the mock services (README in French)."""
    from conformance.engine.kit import KitService, write_kit
    from conformance.engine.standalone import assign_ports
    from conformance.socle import get_socle, installed_socles

    with_service = [n for n, s in installed_socles().items() if s.services]
    names = socles_from(socle, among=with_service)
    if not names:
        raise UsageFailure("no installed socle has a standalone service")
    services = [(n, svc) for n in names for svc in get_socle(n).services]
    with usage_errors():
        assigned = assign_ports([svc for _, svc in services], ports)
    if directory.exists() and any(directory.iterdir()) and not (directory / "README.md").is_file():
        raise UsageFailure(f"{directory} is not empty and holds no kit: choose a new or empty folder")
    readme = write_kit(directory, [KitService(n, svc, assigned[svc.name]) for n, svc in services], host, p12_password)
    click.echo(f"connection kit written: {readme}")
