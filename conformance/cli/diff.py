"""`conformance diff RUN_A RUN_B`: requirement by requirement, what changed; exit 1 on a regression (CI gate)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from conformance.cli.common import UsageFailure, echo_json

SIDE = click.Path(path_type=Path, exists=True)


@click.command()
@click.argument("run_a", type=SIDE)
@click.argument("run_b", type=SIDE)
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@click.option(
    "--fail-on",
    type=click.Choice(["regression", "warning", "change", "never"]),
    default="regression",
    show_default=True,
    help="What makes the exit status 1: a regression; also a new warning; any change; nothing.",
)
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True, help="Language of the text.")
def diff(run_a: Path, run_b: Path, as_json: bool, fail_on: str, lang: str) -> None:
    """Compare two runs or certificates (run folder, results.json, certificate.html or certificate.json).

    Regressions first (a requirement newly failing or no longer tested, a socle missing or no longer
    counted), then new warnings, improvements, requirements in one catalog only and other changes.
    Exit 0: no regression; 1: regression (see --fail-on); 2: an input is unreadable or an invalid certificate.
    """
    from conformance.dossier.compare import CompareError, compare, load_side, render_text

    try:
        comparison = compare(load_side(run_a), load_side(run_b))
    except CompareError as exc:
        raise UsageFailure(str(exc)) from exc
    if as_json:
        echo_json(comparison.to_json())
    else:
        click.echo(render_text(comparison, lang))
    sys.exit(1 if comparison.fails(fail_on) else 0)
