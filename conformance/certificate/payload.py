"""certificate.json: what a certificate asserts, computed from results.json and the evidence.

Only verdicts, references and hashes go in: never a document body. The same dict is signed,
embedded in the HTML and written beside it, so every copy says exactly the same thing.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from conformance import identities
from conformance.certificate.policy import Policy, count_socle
from conformance.certificate.sign import Signer, canonical
from conformance.formats.safezip import read_zip

MAX_EVIDENCE_BYTES = 1024 * 1024 * 1024

SCHEMA = "dui-conformance/certificate/1"
DISCLAIMER_FR = (
    "Cette attestation est une auto-évaluation produite par l'outil dui-conformance à partir des échanges "
    "observés avec des services simulés. Elle ne constitue ni un référencement de l'Agence du Numérique en "
    "Santé, ni une homologation du CNDA. Seules des identités fictives (OID INS de test) ont été utilisées ; "
    "aucun contenu de document n'est reproduit, seules les empreintes des preuves le sont."
)
DISCLAIMER_EN = (
    "This certificate is a self-assessment produced by the dui-conformance harness from the exchanges it "
    "observed with mock services. It is neither an ANS référencement nor a CNDA homologation. Only synthetic "
    "identities (test INS OIDs) were used; no document content is reproduced, only evidence hashes."
)


# where the exchanges were observed, by run mode (the disclaimer's words for a mock run are the constants')
OBSERVED_FR = {
    "mock-services": "avec des services simulés",
    "sandbox": "avec une plateforme de test réelle, à travers le relais enregistreur de l'outil",
    "imported": "dans des captures faites hors de l'outil puis importées",
}
OBSERVED_EN = {
    "mock-services": "with mock services",
    "sandbox": "with a real test platform, through the harness's recording relay",
    "imported": "in captures made outside the harness and imported",
}


def _evidence_reader(source: Path) -> tuple[bytes, Callable[[str], bytes | None]]:
    """index.json bytes and a reader of the listed files, from a folder or an evidence.zip."""
    if source.is_file():
        content = read_zip(source.read_bytes(), max_total=MAX_EVIDENCE_BYTES)
        if content.problems:
            raise ValueError("; ".join(f"{p.entry}: {p.message_en}" for p in content.problems[:5]))
        if "index.json" not in content.files:
            raise ValueError("evidence.zip holds no index.json")
        return content.files["index.json"], content.files.get
    root = source.resolve()

    def read(rel: str) -> bytes | None:
        target = (source / rel).resolve()
        if not target.is_relative_to(root):
            return None
        try:
            return target.read_bytes()
        except OSError:
            return None

    return (source / "index.json").read_bytes(), read


def evidence_problems(source: Path) -> tuple[str | None, int, list[str]]:
    """(sha256 of index.json, entry count, problems) after re-hashing every listed file."""
    try:
        raw, read = _evidence_reader(Path(source))
        entries = json.loads(raw)["entries"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return None, 0, [f"evidence index unreadable: {exc}"]
    problems: list[str] = []
    for entry in entries:
        rel = str(entry.get("path", "")) if isinstance(entry, dict) else ""
        if not rel or "/" in rel or "\\" in rel or rel.startswith("."):
            problems.append(f"evidence entry {rel!r} is not a plain file name of the evidence folder")
            continue
        data = read(rel)
        if data is None:
            problems.append(f"evidence file {rel} is missing")
        elif hashlib.sha256(data).hexdigest() != entry.get("sha256") or len(data) != entry.get("size"):
            problems.append(f"evidence file {rel} does not match its SHA-256 and size")
    return hashlib.sha256(raw).hexdigest(), len(entries), problems


def exchanges_of(results: dict[str, Any]) -> dict[str, Any] | None:
    """Where the judged exchanges happened, when not with the mocks: the sandbox platform and its endpoints
    (with the certificates they presented), or the imported capture folder. Never a credential."""
    platform = results.get("platform")
    if platform:
        observed = {o["upstream"]: o["certificate_sha256"] for o in platform.get("observed", [])}
        return {
            "platform": platform["name"],
            "title_fr": platform["title_fr"],
            "title_en": platform["title_en"],
            "upstreams": [
                {"endpoint": u["endpoint"], "certificate_sha256": observed.get(u["upstream"], "")}
                for u in platform.get("upstreams", [])
            ],
        }
    imported = results.get("imported")
    if imported:
        return {"source": imported["source"], "files": imported["files"], "exchanges": imported["exchanges"]}
    return None


def _paris(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("Europe/Paris")).strftime("%d/%m/%Y %H:%M:%S")


def build_payload(results: dict[str, Any], run_dir: Path, policy: Policy, signer: Signer) -> dict[str, Any]:
    index_sha, entries, problems = evidence_problems(run_dir / "evidence")
    evidence_ok = index_sha is not None and not problems
    now = datetime.now(UTC).replace(microsecond=0)
    socles: dict[str, Any] = {}
    for name, s in results["socles"].items():
        count = count_socle(
            policy, name, s, results.get("mode", ""), evidence_ok, witnessed=bool(results.get("witness"))
        )
        socles[name] = {
            "title_fr": s["title_fr"],
            "title_en": s["title_en"],
            "catalog_version": s["catalog_version"],
            "verdict": s["verdict"],
            "counts": count.counts,
            "reasons_fr": count.reasons_fr,
            "reasons_en": count.reasons_en,
            "scenarios": [{"title": x["title"], "outcome": x["outcome"]} for x in s["scenarios"]],
            # a list, not a mapping: the catalog's order survives the canonical (sorted-keys) form
            "requirements": [
                {
                    "id": rid,
                    **{
                        k: r[k]
                        for k in (
                            "level",
                            "refs",
                            "verdict",
                            "text_fr",
                            "title_en",
                            "source",
                            "source_version",
                            "checked",
                            "not_checked_reason",
                            "unsure",
                            "evidence",
                        )
                    },
                }
                for rid, r in s["requirements"].items()
            ],
        }
    counting = sorted(n for n, s in socles.items() if s["counts"])
    mode = str(results.get("mode", ""))
    payload = {
        "schema": SCHEMA,
        "certificate_id": str(uuid.uuid4()),
        "issued_at": now.isoformat().replace("+00:00", "Z"),
        "issued_at_paris": _paris(now),
        "run_id": results["run_id"],
        "status": results["status"],
        "started": results["started"],
        "finished": results.get("finished"),
        "solution": results["solution"],
        "harness": results["harness"],
        "driver": results["driver"],
        "mode": results["mode"],
        "exchanges": exchanges_of(results),
        "rule_sets": results["rule_sets"]
        + [{"kind": "counting-policy", "name": policy.id, "version": policy.version, "sha256": policy.sha256}],
        "test_identities": [{"ins": p["ins"], "ins_oid": p["ins_oid"], "key": p["key"]} for p in identities.patients()],
        "socles": socles,
        "at_least_two": {"verdict": len(counting) >= policy.minimum, "counting": counting, "minimum": policy.minimum},
        "policy": policy.to_json(),
        "evidence": {"index_sha256": index_sha, "entries": entries, "verified": evidence_ok, "problems": problems[:20]},
        "signer": {"subject": signer.subject, "auto_attested": signer.auto_attested},
        "disclaimer_fr": DISCLAIMER_FR.replace(
            OBSERVED_FR["mock-services"], OBSERVED_FR.get(mode, OBSERVED_FR["mock-services"])
        ),
        "disclaimer_en": DISCLAIMER_EN.replace(
            OBSERVED_EN["mock-services"], OBSERVED_EN.get(mode, OBSERVED_EN["mock-services"])
        ),
    }
    # the signed, embedded and re-rendered form is the canonical one: normalise before anything uses it
    normalised: dict[str, Any] = json.loads(canonical(payload))
    return normalised
