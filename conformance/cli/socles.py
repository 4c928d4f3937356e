"""`conformance socles`: the installed socles, plug-ins of the entry-point group conformance.socles."""

from __future__ import annotations

import click

from conformance.cli.common import echo_json


@click.command()
@click.option("--json", "as_json", is_flag=True)
def socles(as_json: bool) -> None:
    """List the installed socles (plug-ins of the entry-point group conformance.socles)."""
    from conformance.requirements import catalog_for
    from conformance.socle import installed_socles

    rows = []
    for name, s in installed_socles().items():
        cat = catalog_for(name)
        rows.append(
            {
                "socle": name,
                "title_en": s.title_en,
                "title_fr": s.title_fr,
                "catalog_version": cat.version,
                "requirements": len(cat.requirements),
            }
        )
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        click.echo(
            f"{r['socle']:<14} {r['title_en']} (catalog {r['catalog_version']}, {r['requirements']} requirements)"
        )
