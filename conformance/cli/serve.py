"""`conformance serve`: the installed socles' mock services on their own, for manual tests and other tools."""

from __future__ import annotations

from pathlib import Path

import click

from conformance.cli.common import SharedOptions, UsageFailure, socles_from, usage_errors


@click.command(cls=SharedOptions)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("reports/serve"),
    show_default=True,
    help="Folder for the PKI and the evidence journal (one sub-folder per service when several run).",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port",
    "ports",
    multiple=True,
    metavar="NAME=N",
    help="Port of a service (repeatable), by its name as the banner shows it (SERVICE.NAME=N when two services "
    "share a name); 0 or absent: any free port.",
)
def serve(socle: tuple[str, ...], out: Path, host: str, ports: tuple[str, ...]) -> None:
    """Run socles' mock services standalone until Ctrl-C, recording every exchange (default: every service)."""
    from conformance.engine.standalone import plan
    from conformance.engine.standalone import serve as serve_all
    from conformance.socle import get_socle, installed_socles

    with_service = [n for n, s in installed_socles().items() if s.services]
    names = socles_from(socle, among=with_service)
    lacking = [n for n in names if not get_socle(n).services]
    if not names:
        raise UsageFailure("no installed socle has a standalone service")
    if lacking:
        raise UsageFailure(f"no standalone service for socle {lacking[0]!r} yet (available: {', '.join(with_service)})")
    services = [svc for n in names for svc in get_socle(n).services]
    with usage_errors():
        try:
            serve_all(plan(services, out.resolve(), ports), host, click.echo)
        except KeyboardInterrupt:  # Ctrl-C while the services start: no traceback either
            click.echo("stopping")
