"""Render the certificate (HTML, French by default) from the signed payload, with jinja2.

The HTML is a pure function of (payload, signature envelope, language): verification re-renders
it and compares bytes, so one changed byte anywhere in the file is caught. The payload and the
envelope are embedded as JSON, which makes the single HTML file enough to verify.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID
from jinja2 import Environment, StrictUndefined, select_autoescape

from conformance.certificate.payload import TALLIES  # the order the tallies are shown in
from conformance.certificate.sign import canonical, fingerprint, is_auto_attestation
from conformance.jsontext import pretty
from conformance.templates import environment

_VERDICTS_FR = {
    "pass": "Conforme",
    "pass-with-warnings": "Conforme avec réserves",
    "fail": "Non conforme",
    "warn": "Avec réserve",
    "not-applicable": "Sans objet",
    "not-run": "Non exécuté (pack non fourni)",
    "not-run-sandbox": "Non exécuté en bac à sable",
    "not-run-imported": "Non évaluable sur les échanges importés",
    "not-tested": "Non testé",
    "not-checked": "Non évalué",
    "incomplete": "Exécution incomplète",
}
_VERDICTS_EN = {
    "pass": "Pass",
    "pass-with-warnings": "Pass with warnings",
    "fail": "Fail",
    "warn": "Warning",
    "not-applicable": "Not applicable",
    "not-run": "Not run (rule pack not supplied)",
    "not-run-sandbox": "Not run in the sandbox",
    "not-run-imported": "Not judgeable on the imported exchanges",
    "not-tested": "Not tested",
    "not-checked": "Not checked",
    "incomplete": "Incomplete run",
}
LABELS: dict[str, dict[str, str]] = {
    "fr": {
        **_VERDICTS_FR,
        "n_pass": "conformes",
        "n_warn": "avec réserve",
        "n_fail": "non conformes",
        "n_not-tested": "non testées",
        "n_not-checked": "non évaluées",
        "n_not-applicable": "sans objet",
        "n_not-run": "non exécutées (pack non fourni)",
        "n_not-run-sandbox": "non exécutées en bac à sable",
        "n_not-run-imported": "non évaluables sur les échanges importés",
        "interrupted": "Exécution interrompue",
        "passed": "réussi",
        "failed": "échoué",
        "skipped": "ignoré",
        "error": "erreur",
        "title": "Attestation de conformité aux services socles",
        "certificate_id": "N°",
        "tests_on": "essais du",
        "issued_on": "émise le",
        "paris": "heure de Paris",
        "auto": "AUTO-ATTESTÉ : signé par la clé propre à l'installation qui a exécuté les essais ; "
        "aucun tiers ne s'en porte garant",
        "demo_banner": "DUI DE DÉMONSTRATION : les échanges ont été produits par le DUI de démonstration de l'outil, "
        "non par la solution déclarée. Cette attestation ne compte pas.",
        "mismatch_banner": "IDENTITÉ DIFFÉRENTE : le logiciel observé dans les échanges n'est pas la solution "
        "déclarée. Cette attestation ne compte pas.",
        "partial_banner": "EXÉCUTION PARTIELLE, ne compte pas",
        "nonstandard_banner": "POLITIQUE NON STANDARD : la politique de décompte n'est pas une politique enregistrée "
        "par l'outil",
        "declared": "Solution déclarée",
        "unidentified": "solution non identifiée",
        "version": "version",
        "observed": "Solution observée dans les échanges",
        "identity_identified": "concorde avec la solution déclarée",
        "identity_demo": "DUI de démonstration de l'outil",
        "identity_mismatch": "différente de la solution déclarée",
        "identity_not-declared": "non comparée : aucune solution déclarée",
        "identity_not-observed": "aucun échange ne désigne le logiciel",
        "source_vihf": "VIHF (LPS_Nom, LPS_Version, LPS_ID_HOMOLOGATION_DMP)",
        "source_http-user-agent": "en-tête HTTP User-Agent",
        "source_mail-x-mailer": "en-tête de courriel X-Mailer",
        "source_mail-user-agent": "en-tête de courriel User-Agent",
        "homologation": "homologation",
        "structure": "Structure (certificat TLS client)",
        "status": "Exécution",
        "complete": "complète",
        "partial": "partielle",
        "scenarios_run": "scénarios exécutés",
        "signed_by": "Signataire",
        "trust_auto": "clé propre à l'installation (auto-attestation)",
        "trust_chain": "certificat délivré par",
        "witness": "Essai conduit et signé par un tiers",
        "reserves": "Réserves",
        "counts": "Compté",
        "not_counted": "Non compté",
        "two": "Au moins deux services socles",
        "yes": "OUI",
        "no": "NON",
        "nonstandard": "selon une politique non standard",
        "counting": "services comptés",
        "none": "aucun",
        "howto": "Vérifier cette attestation",
        "howto_text": "Ses verdicts peuvent être ré-évalués à partir des preuves : la commande ci-dessous vérifie la "
        "signature et son signataire, puis rejoue chaque vérification sur les échanges enregistrés, à l'heure de leur "
        "capture, et compare exigence par exigence avec cette attestation.",
        "run_folder": "<dossier de l'essai ou evidence.zip>",
        "anchors": "<certificats de confiance>",
        "fingerprint": "Empreinte SHA-256 du certificat du signataire",
        "catalog": "catalogue",
        "scenarios": "scénarios",
        "requirement": "Exigence",
        "refs": "Références officielles et sources",
        "level": "Niveau",
        "level_EXIGENCE": "Exigence",
        "level_PRECONISATION": "Préconisation",
        "verdict": "Verdict",
        "evidence": "Preuves (SHA-256)",
        "not_checked": "Non évalué",
        "unsure": "Fait non confirmé dans la source : règle en avertissement.",
        "policy": "Politique de décompte",
        "run": "Exécution des essais",
        "tool": "Outil",
        "mode": "Mode",
        "mock-services": "services simulés (bouchons) sur la machine de test",
        "artifacts": "validation de fichiers",
        "sandbox": "bac à sable (plateforme de test réelle, à travers le relais enregistreur)",
        "imported": "échanges importés (capturés hors de l'outil)",
        "platform": "Plateforme",
        "upstreams": "points d'accès",
        "capture_source": "Captures importées",
        "capture_exchanges": "échanges",
        "driver": "pilote du DUI",
        "dates": "Dates",
        "started": "début",
        "finished": "fin",
        "run_id": "Identifiant de l'exécution",
        "rulesets": "Référentiels et fichiers couverts",
        "kind": "Nature",
        "name": "Nom",
        "kind_requirement-catalog": "catalogue d'exigences",
        "kind_value-set": "jeu de valeurs",
        "kind_counting-policy": "politique de décompte",
        "evidence_index": "index des preuves",
        "entries": "entrées",
        "run_file": "fichier de l'essai",
        "identities": "Identités de test",
        "signature": "Signature",
        "signed_content": "contenu signé",
        "chain": "Chaîne du signataire",
        "page": "Page",
    },
    "en": {
        **_VERDICTS_EN,
        "n_pass": "passed",
        "n_warn": "with reserve",
        "n_fail": "failed",
        "n_not-tested": "not tested",
        "n_not-checked": "not checked",
        "n_not-applicable": "not applicable",
        "n_not-run": "not run (rule pack not supplied)",
        "n_not-run-sandbox": "not run in the sandbox",
        "n_not-run-imported": "not judgeable on the imported exchanges",
        "interrupted": "Interrupted run",
        "passed": "passed",
        "failed": "failed",
        "skipped": "skipped",
        "error": "error",
        "title": "Services socles conformance certificate",
        "certificate_id": "No.",
        "tests_on": "tests of",
        "issued_on": "issued",
        "paris": "Paris time",
        "auto": "SELF-ATTESTED: signed with the own key of the installation that ran the tests; nobody vouches for it",
        "demo_banner": "DEMONSTRATION DUI: the exchanges were made by the harness's demonstration DUI, not by the "
        "declared solution. This certificate does not count.",
        "mismatch_banner": "DIFFERENT IDENTITY: the software observed in the exchanges is not the declared solution. "
        "This certificate does not count.",
        "partial_banner": "PARTIAL RUN, does not count",
        "nonstandard_banner": "NON-STANDARD POLICY: the counting policy is not one the harness registers",
        "declared": "Declared solution",
        "unidentified": "solution not identified",
        "version": "version",
        "observed": "Solution observed in the exchanges",
        "identity_identified": "agrees with the declared solution",
        "identity_demo": "the harness's demonstration DUI",
        "identity_mismatch": "differs from the declared solution",
        "identity_not-declared": "not compared: no solution declared",
        "identity_not-observed": "no exchange names the software",
        "source_vihf": "VIHF (LPS_Nom, LPS_Version, LPS_ID_HOMOLOGATION_DMP)",
        "source_http-user-agent": "HTTP User-Agent header",
        "source_mail-x-mailer": "mail X-Mailer header",
        "source_mail-user-agent": "mail User-Agent header",
        "homologation": "homologation",
        "structure": "Structure (TLS client certificate)",
        "status": "Run",
        "complete": "complete",
        "partial": "partial",
        "scenarios_run": "scenarios run",
        "signed_by": "Signer",
        "trust_auto": "the installation's own key (self-attested)",
        "trust_chain": "certificate issued by",
        "witness": "Run conducted and signed by a third party",
        "reserves": "Reserves",
        "counts": "Counts",
        "not_counted": "Does not count",
        "two": "At least two services socles",
        "yes": "YES",
        "no": "NO",
        "nonstandard": "under a non-standard policy",
        "counting": "counting socles",
        "none": "none",
        "howto": "Verify this certificate",
        "howto_text": "Its verdicts can be re-judged from the evidence: the command below checks the signature and "
        "its signer, then replays every check on the recorded exchanges, at their capture time, and compares "
        "requirement by requirement with this certificate.",
        "run_folder": "<run folder or evidence.zip>",
        "anchors": "<trusted certificates>",
        "fingerprint": "SHA-256 fingerprint of the signer's certificate",
        "catalog": "catalog",
        "scenarios": "scenarios",
        "requirement": "Requirement",
        "refs": "Official references and sources",
        "level": "Level",
        "level_EXIGENCE": "Requirement (must)",
        "level_PRECONISATION": "Recommendation (should)",
        "verdict": "Verdict",
        "evidence": "Evidence (SHA-256)",
        "not_checked": "Not checked",
        "unsure": "Fact not confirmed in the source: warning-level rule.",
        "policy": "Counting policy",
        "run": "The run",
        "tool": "Tool",
        "mode": "Mode",
        "mock-services": "mock services on the test machine",
        "artifacts": "artifact validation",
        "sandbox": "sandbox (a real test platform, through the recording relay)",
        "imported": "imported exchanges (captured outside the harness)",
        "platform": "Platform",
        "upstreams": "endpoints",
        "capture_source": "Imported captures",
        "capture_exchanges": "exchanges",
        "driver": "DUI driver",
        "dates": "Dates",
        "started": "started",
        "finished": "finished",
        "run_id": "Run id",
        "rulesets": "Rule sets and files covered",
        "kind": "Kind",
        "name": "Name",
        "kind_requirement-catalog": "requirement catalog",
        "kind_value-set": "value set",
        "kind_counting-policy": "counting policy",
        "evidence_index": "evidence index",
        "entries": "entries",
        "run_file": "run file",
        "identities": "Test identities",
        "signature": "Signature",
        "signed_content": "signed content",
        "chain": "Signer chain",
        "page": "Page",
    },
}


@dataclass
class SignerView:
    """What the page says of the signer: read from the signature's chain, never from the payload."""

    subject: str = "?"
    organization: str = "?"
    issuer: str = "?"
    fingerprint: str = "?"
    auto_attested: bool = False
    chain: list[str] = field(default_factory=list)


def software_view(observed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each software named in the exchanges once, with every place that named it."""
    groups: dict[tuple[str, str, str], list[str]] = {}
    for f in observed:
        if f["what"] == "software":
            sources = groups.setdefault((f["name"], f["version"], f["homologation"]), [])
            if f["source"] not in sources:
                sources.append(f["source"])
    return [{"name": k[0], "version": k[1], "homologation": k[2], "sources": v} for k, v in groups.items()]


def tally_text(tallies: dict[str, int], t: dict[str, str]) -> str:
    """'43 conformes · 1 avec réserve · 0 non conformes · …': passed and failed always, the others when any."""
    shown = [k for k in TALLIES if tallies.get(k) or k in ("pass", "fail")]
    return " · ".join(f"{tallies.get(k, 0)} {t['n_' + k]}" for k in shown)


def signer_view(envelope: dict[str, Any]) -> SignerView:
    try:
        chain = [x509.load_pem_x509_certificate(str(pem).encode("ascii")) for pem in envelope.get("chain") or []]
        if chain:
            _ = [(c.subject.rfc4514_string(), c.issuer.rfc4514_string(), list(c.extensions)) for c in chain]
    except Exception:  # noqa: BLE001 - a damaged chain renders as unknown; verify says it is invalid
        return SignerView()
    if not chain:
        return SignerView()
    leaf = chain[0]

    def org(name: x509.Name) -> str:
        for oid in (NameOID.ORGANIZATION_NAME, NameOID.COMMON_NAME):
            found = name.get_attributes_for_oid(oid)
            if found:
                return str(found[0].value)
        return name.rfc4514_string()

    return SignerView(
        leaf.subject.rfc4514_string(),
        org(leaf.subject),
        org(leaf.issuer),
        fingerprint(leaf),
        is_auto_attestation(leaf),
        [c.subject.rfc4514_string() for c in chain],
    )


def _embed(obj: dict[str, Any]) -> str:
    """Canonical JSON safe inside <script>: '</' written as the JSON escape '<\\/'."""
    return canonical(obj).decode("utf-8").replace("</", "<\\/")


@cache
def _env() -> Environment:
    return environment(
        "conformance.certificate",
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,  # a label missing in one language fails the tests, not the instructor
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
            signer=signer_view(envelope),
            software=software_view(payload["solution"]["observed"]),
            structures=sorted(
                {(f["name"], f["homologation"]) for f in payload["solution"]["observed"] if f["what"] == "structure"}
            ),
            tallies={n: tally_text(s["tallies"], LABELS[lang]) for n, s in payload["socles"].items()},
            payload_json=_embed(payload),
            envelope_json=_embed(envelope),
        )
    )


def write_certificate_files(run_dir: Path, payload: dict[str, Any], envelope: dict[str, Any], lang: str = "fr") -> Path:
    run_dir = Path(run_dir)
    (run_dir / "certificate.json").write_bytes(pretty(payload))
    (run_dir / "certificate.sig.json").write_text(json.dumps(envelope, indent=2), encoding="utf-8")
    name = "certificate.html" if lang == "fr" else f"certificate.{lang}.html"
    path = run_dir / name
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(render_certificate(payload, envelope, lang).encode("utf-8"))
    tmp.replace(path)
    return path
