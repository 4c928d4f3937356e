"""`conformance defects`: the seeded defects of the reference DUI, each failing exactly one requirement."""

from __future__ import annotations

import click

from conformance.cli.common import SharedOptions, echo_json, socles_from


@click.command(cls=SharedOptions)
@click.option("--json", "as_json", is_flag=True, help='JSON list of {"defect", "requirement", "socle", ...}.')
def defects(socle: tuple[str, ...], as_json: bool) -> None:
    """List the seeded defects of the reference DUI (use them as --dui demo:<defect>)."""
    from conformance.socle import get_socle

    # each socle's own table (`Socle.defects`, what `conformance.socle.all_defects` joins), only the wanted ones
    rows = [d for name in socles_from(socle) for d in get_socle(name).seeded_defects()]
    if as_json:
        echo_json(
            [
                {
                    "defect": d.name,
                    "requirement": d.requirement,
                    "socle": d.socle,
                    "description": d.description,
                    "needs": list(d.needs),
                }
                for d in rows
            ]
        )
        return
    for d in rows:
        needs = f" (run with --socle {' --socle '.join(d.needs)})" if d.needs else ""
        click.echo(f"{d.socle:<13} {d.name:<34} {d.requirement:<12} {d.description}{needs}")
