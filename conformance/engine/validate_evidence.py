"""`conformance validate RUN_DIR`: a run's evidence validated as the run judged it, with every rule.

The evidence index says what each entry is (its kind), who produced it (its role) and when (its capture time);
the judgement records say with which context a scenario judged it. So only what the DUI sent (role `dui`) and
the harness's account of what it did (role `observed`) are judged; the messages the harness sent the DUI
(deliberately bad ones included), the mock services' answers, a sandbox platform's answers and the relay's
sessions with it (role `platform`) and the harness's own records are not. Each entry is judged once per
distinct context it was judged with in the run, by every check of the socle that judged it (not only the rules
a scenario declared), and every artifact it holds (the socles' expanders, as in the scenario: a part recorded
with `part_of` is judged with its container, never alone), at its capture time. An entry no scenario judged is
judged as a saved file would be (`engine.validate.validate_bytes`: its kind, else sniffed from its content) by
every installed socle, with what the journal captured with it (`meta`) and at its capture time. A rule a
scenario made the DUI break on purpose (it gave it a deliberately bad input, judgement `provoked`) is reported
not applicable, with the reason. Nothing is read outside the evidence, and a file that does not match its
index entry is reported, never judged.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from conformance.engine.evidence import DUI, OBSERVED
from conformance.engine.evidence_store import EvidenceStore, evidence_folder, open_evidence
from conformance.engine.judgement import BYTES, Judgement, JudgementError, decode, decode_context
from conformance.engine.messages import M
from conformance.engine.rejudge import judgement_entries
from conformance.engine.validate import FileResult, Part, detect_kind, validate_bytes, verdict_of
from conformance.engine.verifier import at_capture_time
from conformance.model import CheckContext, Finding, Verdict
from conformance.registry import checks_for, dedupe, expander_for
from conformance.socle import installed_socles

JUDGED_ROLES = (DUI, OBSERVED)


def is_evidence(path: Path) -> bool:
    """A run folder, an evidence folder (index.json) or an evidence.zip."""
    path = Path(path)
    if path.is_dir():
        return (evidence_folder(path) / "index.json").is_file()
    return path.name == "evidence.zip" and path.is_file()


def _contexts(store: EvidenceStore) -> dict[str, list[Judgement]]:
    """The judgements of each judged entry, one per distinct (socle, meta, context), by the entry's SHA-256
    (judgement/2) or file name (judgement/1): a digest names every listed file holding those bytes."""
    out: dict[str, dict[str, Judgement]] = {}
    for _, j in judgement_entries(store):
        if isinstance(j, str) or j.artifact is None:
            continue
        key = json.dumps(
            [j.checks, j.artifact.get("kind"), j.artifact.get("meta"), j.context, j.provoked], sort_keys=True
        )
        ref = j.artifact.get("sha256") if j.by_digest else j.artifact.get("path")
        out.setdefault(str(ref), {}).setdefault(key, j)
    return {ref: list(found.values()) for ref, found in out.items()}


def _carried(value: Any) -> Iterable[str]:
    """The references (SHA-256 or file names) a recorded meta holds: bytes the judged artifact carried beside
    itself."""
    if isinstance(value, list):
        for v in value:
            yield from _carried(v)
    elif isinstance(value, dict):
        if set(value) == {BYTES}:
            yield str(value[BYTES])
        else:
            for v in value.values():
                yield from _carried(v)


def _not_against_the_dui(found: list[Finding], provoked: set[str]) -> list[Finding]:
    return [
        M.not_applicable(f.requirement, "provoked", f.location, message=f.message_en)
        if f.requirement in provoked and f.verdict in (Verdict.FAIL, Verdict.WARN)
        else f
        for f in found
    ]


def _unjudged(
    path: str, entry: dict[str, Any], data: bytes, socles: list[str] | None, extra: dict[str, Any]
) -> FileResult | None:
    """What the DUI sent that no scenario judged: judged like a saved file (its kind, else sniffed) with
    what the journal captured with it (`meta`: an HTTP body's content type) at its capture time."""
    kind = str(entry.get("kind"))
    if not checks_for(kind, socles) and not any(expander_for(kind, s) for s in socles or installed_socles()):
        kind = detect_kind(path, data)
        if kind == "unknown" or not checks_for(kind, socles):
            return None  # bytes no check reads
    ctx = at_capture_time(CheckContext(extra=dict(extra)), str(entry.get("time") or ""))
    return validate_bytes(path, data, ctx, socles, meta=dict(entry.get("meta") or {}), kind=kind)


def _judged(
    store: EvidenceStore, path: str, entry: dict[str, Any], data: bytes, judgements: list[Judgement]
) -> FileResult:
    """The entry judged again with each context a scenario judged it with, at its capture time."""
    found: list[Finding] = []
    parts: list[Part] = []
    result: FileResult | None = None
    for j in judgements:
        record = j.artifact or {}
        try:
            meta = decode(record.get("meta") or {}, store, j.by_digest)
            ctx = at_capture_time(decode_context(j.context or {}, store, j.by_digest), j.at)
        except JudgementError as exc:
            found.append(M.fail("HARNESS-INPUT", "input-unreadable", path, reason=str(exc)))
            continue
        kind = str(record.get("kind"))
        name = str(record.get("name"))
        result = validate_bytes(name, data, ctx, [j.checks], meta=meta if isinstance(meta, dict) else {}, kind=kind)
        found.extend(_not_against_the_dui(result.findings, set(j.provoked or ())))
        parts.extend(p for p in result.parts if p not in parts)
    findings = [f if f.evidence else replace(f, evidence=entry.get("sha256")) for f in dedupe(found)]
    kind = result.kind if result is not None else str(entry.get("kind"))
    when, source = (result.reference_time, result.reference_source) if result is not None else ("", "validation")
    return FileResult(path, kind, verdict_of(findings), findings, parts, when, source)


def validate_evidence(
    source: Path, socles: Iterable[str] | None = None, extra: dict[str, Any] | None = None
) -> list[FileResult]:
    """One result per entry judged (see the module docstring); `socles` narrows the judging socles;
    `extra` (e.g. `validate --trust`'s anchors) is given to what no scenario judged, whose context is empty."""
    from conformance.socle import load_all_checks

    load_all_checks()
    wanted = sorted(socles) if socles is not None else None
    store = open_evidence(Path(source))
    try:
        contexts = _contexts(store)
        # bytes a judged artifact carried beside itself (a request's MTOM parts): judged with it, never alone
        carried = {p for js in contexts.values() for j in js for p in _carried((j.artifact or {}).get("meta"))}
        results: list[FileResult] = []
        for entry in store.entries:
            path, sha = str(entry.get("path")), str(entry.get("sha256"))
            part = (entry.get("meta") or {}).get("part_of") or path in carried or sha in carried
            if entry.get("role") not in JUDGED_ROLES or part:
                continue  # not the DUI's, or a part judged with its container (its judgement expands or carries it)
            found = contexts.get(sha, []) + contexts.get(path, [])
            judgements = [j for j in found if wanted is None or j.checks in wanted]
            if not judgements and entry.get("role") != DUI:
                continue  # an account only its scenario's context makes sense of
            data = store.read(path)
            if data is None:
                missing = M.fail("HARNESS-INPUT", "input-unreadable", path, reason="missing or altered evidence")
                results.append(FileResult(path, str(entry.get("kind")), "fail", [missing]))
                continue
            result = (
                _judged(store, path, entry, data, judgements)
                if judgements
                else _unjudged(path, entry, data, wanted, dict(extra or {}))
            )
            if result is not None:
                results.append(result)
        return results
    finally:
        store.close()
