"""`conformance validate RUN_DIR`: a run's evidence validated as the run judged it, with every rule.

The evidence index says what each entry is (its kind), who produced it (its role) and when (its capture
time); the judgement records say with which context a scenario judged it. So only what the DUI sent (role
`dui`) and the harness's account of what it did (role `observed`) are judged; the messages the harness sent
the DUI (deliberately bad ones included), the mock services' answers, a sandbox platform's answers and the
relay's sessions with it (role `platform`) and the harness's own records are not. Each entry is judged once
per distinct context it was judged with in the run, by every check of the socle that judged it (not only the
rules a scenario declared), at its capture time; an entry no scenario judged is judged by every installed
socle with an empty context. A rule a scenario made the DUI break on purpose (it gave it a deliberately bad
input, judgement `provoked`) is reported not applicable, with the reason. Nothing is read outside the
evidence, and a file that does not match its index entry is reported, never judged.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from conformance.engine.evidence import DUI, OBSERVED
from conformance.engine.evidence_store import EvidenceStore, evidence_folder, open_evidence
from conformance.engine.judgement import Judgement, JudgementError, decode, decode_context
from conformance.engine.messages import M
from conformance.engine.rejudge import judgement_entries
from conformance.engine.validate import FileResult, verdict_of
from conformance.engine.verifier import at_capture_time
from conformance.levels import apply_levels
from conformance.model import Artifact, CheckContext, Finding, Verdict
from conformance.registry import checks_for, dedupe, run_checks

JUDGED_ROLES = (DUI, OBSERVED)


def is_evidence(path: Path) -> bool:
    """A run folder, an evidence folder (index.json) or an evidence.zip."""
    path = Path(path)
    if path.is_dir():
        return (evidence_folder(path) / "index.json").is_file()
    return path.name == "evidence.zip" and path.is_file()


def _contexts(store: EvidenceStore) -> dict[str, list[Judgement]]:
    """The judgements of each entry (by its path), one per distinct (socle, meta, context)."""
    out: dict[str, dict[str, Judgement]] = {}
    for _, j in judgement_entries(store):
        if isinstance(j, str) or j.artifact is None:
            continue
        key = json.dumps(
            [j.checks, j.artifact.get("kind"), j.artifact.get("meta"), j.context, j.provoked], sort_keys=True
        )
        out.setdefault(str(j.artifact.get("path")), {}).setdefault(key, j)
    return {path: list(found.values()) for path, found in out.items()}


def _not_against_the_dui(found: list[Finding], provoked: set[str]) -> list[Finding]:
    return [
        M.not_applicable(f.requirement, "provoked", f.location, message=f.message_en)
        if f.requirement in provoked and f.verdict in (Verdict.FAIL, Verdict.WARN)
        else f
        for f in found
    ]


def _judge(store: EvidenceStore, entry: dict[str, Any], data: bytes, judgements: list[Judgement]) -> list[Finding]:
    sha = str(entry.get("sha256"))
    at = str(entry.get("time") or "")
    if not judgements:
        art = Artifact(str(entry.get("kind")), str(entry.get("path")), data)
        return run_checks(art, at_capture_time(CheckContext(), at), None, evidence=sha)
    found: list[Finding] = []
    for j in judgements:
        record = j.artifact or {}
        try:
            meta = decode(record.get("meta") or {}, store)
            ctx = at_capture_time(decode_context(j.context or {}, store), j.at)
        except JudgementError as exc:
            found.append(M.fail("HARNESS-INPUT", "input-unreadable", str(entry.get("path")), reason=str(exc)))
            continue
        art = Artifact(str(record.get("kind")), str(record.get("name")), data, meta if isinstance(meta, dict) else {})
        found.extend(_not_against_the_dui(run_checks(art, ctx, [j.checks], evidence=sha), set(j.provoked or ())))
    return found


def validate_evidence(source: Path, socles: Iterable[str] | None = None) -> list[FileResult]:
    """One result per entry judged (see the module docstring); `socles` narrows the judging socles."""
    from conformance.socle import load_all_checks

    load_all_checks()
    wanted = set(socles) if socles is not None else None
    store = open_evidence(Path(source))
    try:
        contexts = _contexts(store)
        results: list[FileResult] = []
        for entry in store.entries:
            path, kind = str(entry.get("path")), str(entry.get("kind"))
            if entry.get("role") not in JUDGED_ROLES:
                continue
            judgements = [j for j in contexts.get(path, []) if wanted is None or j.checks in wanted]
            if not judgements and (entry.get("role") != DUI or not checks_for(kind, wanted)):
                continue  # an account only its scenario's context makes sense of, or bytes no check reads
            data = store.read(path)
            if data is None:
                missing = M.fail("HARNESS-INPUT", "input-unreadable", path, reason="missing or altered evidence")
                results.append(FileResult(path, kind, "fail", [missing]))
                continue
            findings = [
                f if f.evidence else replace(f, evidence=entry.get("sha256"))
                for f in apply_levels(dedupe(_judge(store, entry, data, judgements)))
            ]
            results.append(FileResult(path, kind, verdict_of(findings), findings))
        return results
    finally:
        store.close()
