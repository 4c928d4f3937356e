"""Re-judging a run from its evidence alone: every recorded judgement made again, requirement by requirement.

Each judgement record of the evidence (`conformance.engine.judgement`) is replayed: the artifact is read
back (by its SHA-256: a listed file must hold those bytes intact), its meta and the context are decoded
with the parts and files they reference, the capture time is "now", and the registered checks of the
recorded socle run through `registry.run_checks` exactly as in the scenario, with the same requirement
filter, the catalog levels and, for findings concluded into another requirement, the same conclusion.
The verdict of a requirement is then computed as results.json computes it (the worst finding), and
compared with what a certificate says: `confirmed`, or `contradicted` with the finding (or the silence)
that contradicts it.

Only failures can be replayed without an artifact (a scenario that died): a replayed record can never
make a requirement pass.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from conformance.engine.evidence import JUDGEMENT
from conformance.engine.evidence_store import EvidenceStore
from conformance.engine.judgement import KIND, Judgement, JudgementError, decode, decode_context
from conformance.engine.messages import M
from conformance.engine.results import NOT_RUN_BY_MODE, requirement_verdict
from conformance.engine.verifier import at_capture_time
from conformance.levels import apply_levels
from conformance.model import Artifact, Finding, Verdict
from conformance.registry import run_checks

CONFIRMED, CONTRADICTED = "confirmed", "contradicted"


@dataclass
class Rejudged:
    """What the evidence itself says: findings per scenario socle, and the records that could not be replayed."""

    findings: dict[str, list[Finding]] = field(default_factory=dict)
    judgements: int = 0
    problems: list[str] = field(default_factory=list)

    def verdict(self, socle: str, requirement: str) -> str:
        return requirement_verdict(f for f in self.findings.get(socle, []) if f.requirement == requirement)

    def worst(self, socle: str, requirement: str) -> Finding | None:
        found = [f for f in self.findings.get(socle, []) if f.requirement == requirement]
        return max(found, key=lambda f: f.verdict.rank) if found else None


def _conclude(requirement: str, findings: list[Finding]) -> list[Finding]:
    """Findings of another socle's rules concluded into `requirement`: each failure, else one pass."""
    bad = [f for f in findings if f.verdict is Verdict.FAIL]
    if bad:
        return [
            replace(
                M.fail(requirement, "charged-fail", f.location, rule=f.requirement, message=f.message_en),
                evidence=f.evidence,
            )
            for f in bad
        ]
    return [M.passed(requirement, "charged-pass", "", count=len(findings))]


def _replay(store: EvidenceStore, j: Judgement) -> list[Finding]:
    if j.replayed is not None:
        found = j.replayed_findings()
        if any(f.verdict is not Verdict.FAIL for f in found):
            raise JudgementError("a replayed harness finding that is not a failure")
        return found
    art_rec: Mapping[str, Any] = j.artifact or {}
    sha = str(art_rec.get("sha256", ""))
    ref = sha if j.by_digest else str(art_rec.get("path", ""))
    data = store.read_ref(ref, j.by_digest)
    if data is None or (not j.by_digest and store.by_path[ref].get("sha256") != sha):
        raise JudgementError(f"judged entry {ref} is missing or altered")
    meta = decode(art_rec.get("meta") or {}, store, j.by_digest)
    if not isinstance(meta, dict):
        raise JudgementError("artifact meta is not an object")
    art = Artifact(str(art_rec.get("kind", "")), str(art_rec.get("name", "")), data, meta)
    ctx = at_capture_time(decode_context(j.context or {}, store, j.by_digest), j.at)
    keep = set(j.keep) if j.keep is not None else None
    return [f for f in run_checks(art, ctx, [j.checks], evidence=sha) if keep is None or f.requirement in keep]


def judgement_entries(store: EvidenceStore) -> Iterable[tuple[dict[str, Any], Judgement | str]]:
    """Every judgement entry of the index with its record, or why it cannot be read."""
    for entry in store.entries:
        if entry.get("kind") != KIND or entry.get("role") != JUDGEMENT:
            continue
        raw = store.read(str(entry.get("path")))
        if raw is None:
            yield entry, f"judgement {entry.get('path')} is missing or altered"
            continue
        try:
            yield entry, Judgement.from_json(json.loads(raw))
        except (ValueError, JudgementError) as exc:
            yield entry, f"judgement {entry.get('path')}: {exc}"


def rejudge(store: EvidenceStore) -> Rejudged:
    from conformance.socle import load_all_checks

    load_all_checks()
    out = Rejudged()
    groups: dict[tuple[str, str, str], list[Finding]] = {}
    for entry, j in judgement_entries(store):
        if isinstance(j, str):
            out.problems.append(j)
            continue
        try:
            found = apply_levels(_replay(store, j))
        except JudgementError as exc:
            out.problems.append(f"judgement {entry.get('path')}: {exc}")
            continue
        out.judgements += 1
        if j.charge:
            key = (j.socle, str(j.charge.get("requirement")), str(j.charge.get("group")))
            groups.setdefault(key, []).extend(found)
        else:
            out.findings.setdefault(j.socle, []).extend(found)
    for (socle, requirement, _), found in groups.items():
        out.findings.setdefault(socle, []).extend(apply_levels(_conclude(requirement, found)))
    return out


@dataclass
class Comparison:
    socle: str
    requirement: str
    stated: str  # what the certificate says
    rejudged: str  # what the evidence says
    finding: Finding | None = None  # the worst re-judged finding (None: silence)

    @property
    def status(self) -> str:
        # a requirement a sandbox or import run could not judge is silence in the evidence too (the policy
        # lets it count only in its own mode)
        silent = self.stated in NOT_RUN_BY_MODE.values() and self.rejudged == "not-tested"
        return CONFIRMED if self.stated == self.rejudged or silent else CONTRADICTED

    def to_json(self) -> dict[str, Any]:
        return {
            "socle": self.socle,
            "requirement": self.requirement,
            "status": self.status,
            "certificate": self.stated,
            "evidence": self.rejudged,
            "finding": self.finding.to_json() if self.finding else None,
        }

    def describe(self) -> str:
        why = (
            f"{self.finding.verdict.value} at {self.finding.location or '-'}: {self.finding.message_en}"
            if self.finding
            else "no recorded judgement speaks about it"
        )
        said = f"certificate says {self.stated}, the evidence says {self.rejudged}"
        return f"{self.socle} {self.requirement}: {said} ({why})"


def compare(stated: Mapping[str, Iterable[tuple[str, str]]], rejudged: Rejudged) -> list[Comparison]:
    """`stated`: per socle, (requirement, verdict) pairs; not-checked requirements are taken from the
    installed catalog, never from what is stated."""
    from conformance.requirements import catalog_for

    out: list[Comparison] = []
    for socle, pairs in stated.items():
        catalog = catalog_for(socle).requirements
        for rid, verdict in pairs:
            req = catalog.get(rid)
            if req is None:
                out.append(Comparison(socle, rid, verdict, "unknown-requirement"))
            elif not req.checked:
                out.append(Comparison(socle, rid, verdict, "not-checked"))
            else:
                out.append(Comparison(socle, rid, verdict, rejudged.verdict(socle, rid), rejudged.worst(socle, rid)))
    return out
