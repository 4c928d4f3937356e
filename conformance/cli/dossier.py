"""`conformance dossier`: a grappe's members and certificates assembled into the dossier an ARS instructor reads."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from conformance.cli.common import UsageFailure, echo_json


@click.command()
@click.option(
    "--members",
    required=True,
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="CSV of the grappe's establishments (UTF-8 or Excel cp1252, ';' or ','): organisme gestionnaire "
    "(name, FINESS juridique), establishment (name, FINESS géographique, category), DUI solution and version.",
)
@click.option(
    "--certificates",
    required=True,
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    help="Folder holding the certificates (certificate.html, with their run folders when available).",
)
@click.option("--out", required=True, type=click.Path(path_type=Path, file_okay=False), help="Output folder.")
@click.option(
    "--programme",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    default=None,
    help="Programme conditions (TOML; default: profiles/programme/esms-numerique-regional.toml).",
)
@click.option(
    "--trust",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    default=None,
    help="PEM file of trusted signer CAs: certificates chaining to them are 'witnessed'.",
)
@click.option(
    "--rejudge",
    is_flag=True,
    help="Also re-judge each certificate's verdicts from the evidence beside it (slower); "
    "contradicted ones are refused.",
)
@click.option("--no-pdf", is_flag=True, help="Do not print the dossier to PDF (otherwise headless Chromium does).")
@click.option("--json", "as_json", is_flag=True, help="Print the dossier's JSON on stdout instead of a summary.")
def dossier(
    members: Path,
    certificates: Path,
    out: Path,
    programme: Path | None,
    trust: Path | None,
    rejudge: bool,
    no_pdf: bool,
    as_json: bool,
) -> None:
    """Assemble a grappe's dossier (HTML, JSON, PDF). Exit 0: conditions met and complete; 1: not met or incomplete."""
    from conformance.dossier.assemble import assemble
    from conformance.dossier.members import read_members_file
    from conformance.dossier.programme import ProgrammeError, load_programme
    from conformance.dossier.render import write_dossier

    try:
        rules = load_programme(programme)
        members_file = read_members_file(members)
    except (ProgrammeError, OSError) as exc:
        raise UsageFailure(str(exc)) from exc
    built = assemble(members_file, certificates, rules, trust, rejudge=rejudge)
    written = write_dossier(built, out, pdf=not no_pdf)
    if as_json:
        echo_json(built.to_json())
    else:
        state = (
            "complete"
            if built.complete
            else f"INCOMPLETE ({sum(p.severity == 'error' for p in built.problems)} to correct)"
        )
        click.echo(f"dossier: conditions {'MET' if built.met else 'NOT MET'}, {state}")
        for c in built.conditions:
            mark = "n/a" if c.met is None else ("ok" if c.met else "NO")
            click.echo(f"  [{mark:>3}] {c.title_fr}: {c.reason_fr}")
        for p in built.problems:
            where = f"{p.source}:{p.line}" if p.line is not None else p.source
            click.echo(f"  {p.severity:<9} {where} {p.field}: {p.text.en}")
        click.echo(f"html: {written.html}\njson: {written.json}")
        if written.pdf:
            click.echo(f"pdf: {written.pdf}")
    if written.pdf_problem:
        click.echo(f"warning: PDF not produced: {written.pdf_problem}", err=True)
    sys.exit(0 if built.met and built.complete else 1)
