"""certificate.json: what a certificate asserts, computed from results.json and the evidence.

Only verdicts, references and hashes go in: never a document body. The same dict is signed, embedded
in the HTML and written beside it, so every copy says exactly the same thing. Who signed it is not in
it: that is read from the signature's verified chain (`trust`), never from a field a signer writes.

Schema 2 adds: the run's completeness, the solution as declared and as observed in the exchanges
(`conformance.identity`), the run-level reasons nothing counts, per socle the tallies and reserves, the
policy's registration, the witness, the hashes of results.json and junit.xml, and how to re-judge.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from conformance import identities
from conformance.certificate.policy import Blocker, Policy, count_socle, run_blockers
from conformance.certificate.sign import canonical
from conformance.certificate.wording import cite, french, not_checked_fr, public_version, refs_fr, shown_verdict
from conformance.engine.evidence_store import EvidenceError, open_evidence
from conformance.engine.results import completeness
from conformance.identity import IdentityFact, assess, observed_facts

SCHEMA = "dui-conformance/certificate/2"
RUN_FILES = ("results.json", "junit.xml")  # covered by the certificate beside the evidence
TALLIES = ("pass", "warn", "fail", "not-tested", "not-checked", "not-applicable", "not-run")
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


def evidence_problems(source: Path) -> tuple[str | None, int, list[str]]:
    """(sha256 of index.json, entry count, problems) after re-hashing every listed file."""
    try:
        store = open_evidence(Path(source))
        entries = store.entries
        return store.index_sha256, len(entries), store.problems()
    except (EvidenceError, OSError) as exc:
        return None, 0, [f"evidence index unreadable: {exc}"]


def observed_identity(socles: Iterable[str], evidence: Path) -> list[IdentityFact]:
    """The identity facts the socles read in a run's evidence (none when it cannot be read)."""
    try:
        store = open_evidence(evidence)
        return observed_facts(socles, store.entries, store.read)
    except (EvidenceError, OSError):
        return []


def file_hashes(run_dir: Path) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in RUN_FILES:
        path = Path(run_dir) / name
        out[name] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
    return out


def paris(moment: datetime | str | None) -> str:
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return moment.astimezone(ZoneInfo("Europe/Paris")).strftime("%d/%m/%Y %H:%M")


def _requirement(rid: str, r: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": rid,
        "level": r["level"],
        "refs": list(r["refs"]),
        "refs_fr": refs_fr(list(r["refs"])),
        "verdict": r["verdict"],
        "shown": shown_verdict(rid, r["verdict"], r.get("findings") or []),
        "text_fr": french(r["text_fr"]),
        "title_en": r["title_en"],
        "source": r["source"],
        "citations_fr": cite(r["source"]),
        "source_version": public_version(r["source_version"]),
        "checked": r["checked"],
        "not_checked_reason": r["not_checked_reason"],
        "not_checked_fr": "" if r["checked"] else not_checked_fr(rid),
        "unsure": r["unsure"],
        "evidence": r["evidence"],
    }


def _tallies(requirements: list[dict[str, Any]]) -> dict[str, int]:
    out = dict.fromkeys(TALLIES, 0)
    for q in requirements:
        out[q["shown"]] = out.get(q["shown"], 0) + 1
    return out


def build_payload(
    results: dict[str, Any],
    run_dir: Path,
    policy: Policy,
    *,
    witness: str = "",
    now: datetime | None = None,
) -> dict[str, Any]:
    index_sha, entries, problems = evidence_problems(run_dir / "evidence")
    evidence_ok = index_sha is not None and not problems
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    run = completeness(results)
    identity = assess(results["solution"], observed_identity(results["socles"], run_dir / "evidence"))
    blockers: list[Blocker] = run_blockers(run["complete"], identity.status)
    socles: dict[str, Any] = {}
    for name, s in results["socles"].items():
        count = count_socle(policy, name, s, results.get("mode", ""), evidence_ok, blockers)
        requirements = [_requirement(rid, r) for rid, r in s["requirements"].items()]
        socles[name] = {
            "title_fr": s["title_fr"],
            "title_en": s["title_en"],
            "catalog_version": s["catalog_version"],
            "verdict": s["verdict"],
            "counts": count.counts,
            "reasons_fr": count.reasons_fr,
            "reasons_en": count.reasons_en,
            "tallies": _tallies(requirements),
            "reserves": [q["id"] for q in requirements if q["shown"] == "warn"],
            "scenarios": [{"title": x["title"], "outcome": x["outcome"]} for x in s["scenarios"]],
            # a list, not a mapping: the catalog's order survives the canonical (sorted-keys) form
            "requirements": requirements,
        }
    counting = sorted(n for n, s in socles.items() if s["counts"])
    payload = {
        "schema": SCHEMA,
        "certificate_id": str(uuid.uuid4()),
        "issued_at": now.isoformat().replace("+00:00", "Z"),
        "issued_at_paris": paris(now),
        "run_id": results["run_id"],
        "status": results["status"],
        "started": results["started"],
        "finished": results.get("finished"),
        "run_date_paris": paris(results.get("finished") or results["started"]),
        "completeness": run,
        "solution": identity.to_json(),
        "blockers": [b.to_json() for b in blockers],
        "witness": {"statement": witness} if witness else None,
        "harness": results["harness"],
        "driver": results["driver"],
        "mode": results["mode"],
        "rule_sets": results["rule_sets"]
        + [{"kind": "counting-policy", "name": policy.id, "version": policy.version, "sha256": policy.sha256}],
        "test_identities": [{"ins": p["ins"], "ins_oid": p["ins_oid"], "key": p["key"]} for p in identities.patients()],
        "socles": socles,
        "at_least_two": {
            "verdict": len(counting) >= policy.minimum,
            "counting": counting,
            "minimum": policy.minimum,
            "standard_policy": policy.registered,
        },
        "policy": policy.to_json(),
        "evidence": {"index_sha256": index_sha, "entries": entries, "verified": evidence_ok, "problems": problems[:20]},
        "files": file_hashes(run_dir),
        "disclaimer_fr": DISCLAIMER_FR,
        "disclaimer_en": DISCLAIMER_EN,
    }
    # the signed, embedded and re-rendered form is the canonical one: normalise before anything uses it
    normalised: dict[str, Any] = json.loads(canonical(payload))
    return normalised
