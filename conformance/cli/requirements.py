"""`conformance requirements`: the requirement catalogs, and with --coverage which scenarios verify each."""

from __future__ import annotations

import sys
from typing import Any

import click

from conformance.cli.common import SharedOptions, UsageFailure, echo_json, socles_from


@click.command(cls=SharedOptions)
@click.option("--coverage", is_flag=True, help="Show which scenarios verify each requirement.")
@click.option("--json", "as_json", is_flag=True)
def requirements(socle: tuple[str, ...], coverage: bool, as_json: bool) -> None:
    """List the requirement catalog; with --coverage, fail (1) if a checked EXIGENCE has no scenario."""
    from conformance.engine.collect import CollectionError, requirement_marks
    from conformance.requirements import catalog_for, compute_coverage

    status = 0
    report: list[dict[str, Any]] = []
    for name in socles_from(socle):
        cat = catalog_for(name)
        try:
            cov = compute_coverage(cat, requirement_marks(name)) if coverage else None
        except CollectionError as exc:
            raise UsageFailure(str(exc)) from exc
        for req in cat.requirements.values():
            row = req.to_json()
            if cov is not None:
                row["tests"] = cov.tests_by_requirement[req.id]
            report.append(row)
        if cov is not None and (cov.uncovered_exigences or cov.unknown_ids):
            status = 1
        if not as_json:
            click.echo(f"# {name}: {cat.title_en} (catalog {cat.version}, {len(cat.requirements)} requirements)")
            for req in cat.requirements.values():
                state = "checked" if req.checked else "NOT CHECKED"
                line = f"{req.id:<12} {req.level.value:<13} {state:<11} {', '.join(req.refs) or '-'}"
                if cov is not None and req.checked:
                    tests = cov.tests_by_requirement[req.id]
                    line += f"  <- {len(tests)} scenario(s)" if tests else "  <- UNCOVERED"
                click.echo(line)
            if cov is not None:
                click.echo(f"uncovered EXIGENCE: {', '.join(cov.uncovered_exigences) or 'none'}")
                click.echo(f"uncovered PRECONISATION: {', '.join(cov.uncovered_preconisations) or 'none'}")
                click.echo(
                    f"not checked by the harness (with reasons in the catalog): {', '.join(cov.not_checked) or 'none'}"
                )
                if cov.unknown_ids:
                    click.echo(f"scenarios naming unknown ids: {cov.unknown_ids}")
    if as_json:
        echo_json(report)
    sys.exit(status)
