"""Render certificate.html (French) from results.json with jinja2.

The certificate shows verdicts, references and evidence hashes only: never a document body.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape

VERDICT_FR = {
    "pass": "Conforme",
    "pass-with-warnings": "Conforme avec réserves",
    "fail": "Non conforme",
    "warn": "Avertissement",
    "not-applicable": "Sans objet",
    "not-tested": "Non testé",
    "not-checked": "Non évalué",
    "incomplete": "Exécution incomplète",
}


def _paris(iso: str | None) -> str:
    if not iso:
        return "—"
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    return moment.astimezone(ZoneInfo("Europe/Paris")).strftime("%d/%m/%Y %H:%M:%S (heure de Paris)")


def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("conformance.certificate", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    env.filters["verdict_fr"] = lambda v: VERDICT_FR.get(v, v)
    env.filters["paris"] = _paris
    return env


def render_certificate(results: dict[str, Any]) -> str:
    return _env().get_template("certificate.html.j2").render(r=results)


def write_certificate(run_dir: Path, results: dict[str, Any]) -> Path:
    path = Path(run_dir) / "certificate.html"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render_certificate(results), encoding="utf-8")
    tmp.replace(path)
    return path
