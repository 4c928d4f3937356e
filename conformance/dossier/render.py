"""Write the dossier: French HTML (jinja2), its JSON twin, and a PDF printed by headless Chromium.

The HTML is made to be read by an ARS instructor in five minutes: page 1 answers "are the
programme's conditions met, and is the dossier complete", with the reason of each condition; then
one block per DUI version (its certificate and socles), the member table with each line's problems,
the problems list, and the files the dossier was built from with their SHA-256.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jinja2 import Environment, select_autoescape

from conformance.certificate import browser
from conformance.dossier.assemble import TRUST_FR, Dossier, paris, socle_titles
from conformance.dossier.members import LABELS_FR
from conformance.dossier.problems import CONDITION, ERROR, WARNING
from conformance.templates import environment

SEVERITY_FR = {ERROR: "à corriger", CONDITION: "condition non remplie", WARNING: "avertissement"}
EVIDENCE_FR = {
    "verified": "preuves jointes vérifiées (empreintes SHA-256)",
    "altered": "preuves jointes ALTÉRÉES",
    "absent": "preuves non jointes",
}
REJUDGE_FR = {
    "confirmed": "verdicts re-jugés à partir des preuves : confirmés",
    "contradicted": "verdicts re-jugés à partir des preuves : CONTREDITS",
    "unavailable": "re-jugement des verdicts : non demandé ou impossible (preuves non jointes, référentiel différent)",
}
VERDICT_FR = {
    "pass": "conforme",
    "pass-with-warnings": "conforme avec réserves",
    "fail": "non conforme",
    "incomplete": "exécution incomplète",
}


@cache
def _env() -> Environment:
    return environment(
        "conformance.dossier",
        autoescape=select_autoescape(["html", "j2"]),
        keep_trailing_newline=True,
    )


def render_dossier(dossier: Dossier) -> str:
    return (
        _env()
        .get_template("dossier.html.j2")
        .render(
            d=dossier,
            date=paris(dossier.generated_at),
            titles=socle_titles(dossier.found),
            trust_fr=TRUST_FR,
            severity_fr=SEVERITY_FR,
            evidence_fr=EVIDENCE_FR,
            rejudge_fr=REJUDGE_FR,
            verdict_fr=VERDICT_FR,
            columns_fr=LABELS_FR,
            errors=sum(1 for p in dossier.problems if p.severity == ERROR),
        )
    )


@dataclass
class Written:
    html: Path
    json: Path
    pdf: Path | None
    pdf_problem: str = ""


def _atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def write_dossier(dossier: Dossier, out: Path, pdf: bool = True) -> Written:
    """dossier.html, dossier.json and (unless `pdf` is False or no Chromium) dossier.pdf in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    html, js = out / "dossier.html", out / "dossier.json"
    _atomic(js, json.dumps(dossier.to_json(), ensure_ascii=False, indent=2).encode("utf-8"))
    _atomic(html, render_dossier(dossier).encode("utf-8"))
    written = Written(html, js, None)
    if pdf:
        try:
            written.pdf = browser.print_pdf(html, out / "dossier.pdf")
        except browser.BrowserUnavailable as exc:
            written.pdf_problem = str(exc)
    return written
