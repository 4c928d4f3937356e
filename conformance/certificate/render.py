"""Render the certificate (HTML, French by default) from the signed payload, with jinja2.

The HTML is a pure function of (payload, signature envelope, language): verification re-renders
it and compares bytes, so one changed byte anywhere in the file is caught. The payload and the
envelope are embedded as JSON, which makes the single HTML file enough to verify.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from conformance.certificate.sign import canonical

LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "pass": "Conforme",
        "pass-with-warnings": "Conforme avec réserves",
        "fail": "Non conforme",
        "warn": "Avertissement",
        "not-applicable": "Sans objet",
        "not-tested": "Non testé",
        "not-checked": "Non évalué",
        "incomplete": "Exécution incomplète",
        "passed": "réussi",
        "failed": "échoué",
        "skipped": "ignoré",
        "error": "erreur",
        "title": "Attestation de conformité aux services socles",
        "solution": "Solution",
        "version": "version",
        "certificate_id": "N° d'attestation",
        "date": "Date",
        "tool": "Outil",
        "mode": "Mode",
        "driver": "pilote",
        "mock-services": "services simulés (bouchons) sur la machine de test",
        "artifacts": "validation de fichiers",
        "sandbox": "bac à sable (plateforme de test réelle, à travers le relais enregistreur)",
        "imported": "échanges importés (capturés hors de l'outil)",
        "not-run": "Non exécuté en bac à sable",
        "two": "Au moins deux services socles",
        "yes": "OUI",
        "no": "NON",
        "counting": "Services comptés",
        "none": "aucun",
        "counts": "Compté",
        "not_counted": "Non compté",
        "why": "Motif",
        "requirement": "Exigence",
        "refs": "Références officielles",
        "level": "Niveau",
        "verdict": "Verdict",
        "evidence": "Preuves (SHA-256)",
        "not_checked": "Non évalué",
        "unsure": "Fait non confirmé dans la source : règle en avertissement.",
        "rulesets": "Référentiels utilisés",
        "kind": "Nature",
        "name": "Nom",
        "policy": "Politique de décompte",
        "identities": "Identités de test",
        "signature": "Signature",
        "auto": "AUTO-ATTESTÉ : signé par la clé propre à cette installation, aucun tiers ne s'en porte garant",
        "signed_by": "Signé par",
        "scenarios": "Scénarios",
        "evidence_index": "Index des preuves",
        "entries": "entrées",
        "status": "État de l'exécution",
        "complete": "complète",
        "catalog": "catalogue",
        "paris": "heure de Paris",
    },
    "en": {
        "pass": "Pass",
        "pass-with-warnings": "Pass with warnings",
        "fail": "Fail",
        "warn": "Warning",
        "not-applicable": "Not applicable",
        "not-tested": "Not tested",
        "not-checked": "Not checked",
        "incomplete": "Incomplete run",
        "passed": "passed",
        "failed": "failed",
        "skipped": "skipped",
        "error": "error",
        "title": "Services socles conformance certificate",
        "solution": "Solution",
        "version": "version",
        "certificate_id": "Certificate id",
        "date": "Date",
        "tool": "Tool",
        "mode": "Mode",
        "driver": "driver",
        "mock-services": "mock services on the test machine",
        "artifacts": "artifact validation",
        "sandbox": "sandbox (a real test platform, through the recording relay)",
        "imported": "imported exchanges (captured outside the harness)",
        "not-run": "Not run in the sandbox",
        "two": "At least two services socles",
        "yes": "YES",
        "no": "NO",
        "counting": "Counting socles",
        "none": "none",
        "counts": "Counts",
        "not_counted": "Does not count",
        "why": "Reason",
        "requirement": "Requirement",
        "refs": "Official references",
        "level": "Level",
        "verdict": "Verdict",
        "evidence": "Evidence (SHA-256)",
        "not_checked": "Not checked",
        "unsure": "Fact not confirmed in the source: warning-level rule.",
        "rulesets": "Rule sets used",
        "kind": "Kind",
        "name": "Name",
        "policy": "Counting policy",
        "identities": "Test identities",
        "signature": "Signature",
        "auto": "SELF-ATTESTED: signed with this installation's own key, nobody vouches for it",
        "signed_by": "Signed by",
        "scenarios": "Scenarios",
        "evidence_index": "Evidence index",
        "entries": "entries",
        "status": "Run status",
        "complete": "complete",
        "catalog": "catalog",
        "paris": "Paris time",
    },
}


def _embed(obj: dict[str, Any]) -> str:
    """Canonical JSON safe inside <script>: '</' written as the JSON escape '<\\/'."""
    return canonical(obj).decode("utf-8").replace("</", "<\\/")


@cache
def _env() -> Environment:
    return Environment(
        loader=PackageLoader("conformance.certificate", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        keep_trailing_newline=True,
    )


def render_certificate(payload: dict[str, Any], envelope: dict[str, Any], lang: str = "fr") -> str:
    if lang not in LABELS:
        raise ValueError(f"unsupported language {lang!r} (fr, en)")
    return (
        _env()
        .get_template("certificate.html.j2")
        .render(
            c=payload,
            sig=envelope,
            t=LABELS[lang],
            lang=lang,
            payload_json=_embed(payload),
            envelope_json=_embed(envelope),
        )
    )


def write_certificate_files(run_dir: Path, payload: dict[str, Any], envelope: dict[str, Any], lang: str = "fr") -> Path:
    run_dir = Path(run_dir)
    (run_dir / "certificate.json").write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    (run_dir / "certificate.sig.json").write_text(json.dumps(envelope, indent=2), encoding="utf-8")
    name = "certificate.html" if lang == "fr" else f"certificate.{lang}.html"
    path = run_dir / name
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(render_certificate(payload, envelope, lang).encode("utf-8"))
    tmp.replace(path)
    return path
