"""Artifact mode: `conformance validate FILE` recognises what a file is and runs its checks.

The kind is sniffed from the content (a renamed file is still judged for what it is), the size
is bounded before anything is parsed, every check runs isolated (a crash becomes a failing
finding, never a traceback) and the catalog levels are applied exactly as in a scenario.

Findings the harness itself produces carry ids outside any catalog:
- `HARNESS-KIND`: the file's kind is unknown (fail), or no installed socle checks it (not-applicable);
- `HARNESS-CHECK`: a check crashed on this input (fail: a bug of the harness, reported, not hidden);
- `HARNESS-INPUT`: the file is too large or unreadable and no socle reads its kind. When a socle
  does, the refusal rule of its reader (`conformance.registry.reader`) carries the failure instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from conformance.engine.messages import M
from conformance.formats.sniff import GENERIC, Sniffed
from conformance.levels import apply_levels
from conformance.model import Artifact, CheckContext, Finding, Verdict
from conformance.registry import checks_for, refusal_rule, run_checks
from conformance.socle import Kind

DEFAULT_MAX_BYTES = 64 * 1024 * 1024


def input_rule(kind: str, socles: list[str] | None = None) -> str:
    """The rule that fails when a `kind` file cannot even be read (too large, truncated)."""
    from conformance.socle import load_all_checks

    load_all_checks()  # the readers, and so the refusal rules, register with the checks
    return refusal_rule(kind, socles) or "HARNESS-INPUT"


@dataclass
class FileResult:
    file: str
    kind: str
    verdict: str  # pass | warn | fail | not-applicable
    findings: list[Finding] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "kind": self.kind,
            "verdict": self.verdict,
            "findings": [f.to_json() for f in self.findings],
        }


@cache
def _kinds() -> tuple[tuple[Kind, Callable[[Sniffed], bool]], ...]:
    """The generic kinds and every installed socle's own, in the order they are tried."""
    from conformance.socle import installed_socles, resolve

    found = list(GENERIC)
    for socle in installed_socles().values():
        found.extend((k, resolve(k.sniff)) for k in socle.kinds if k.sniff)
    return tuple(sorted(found, key=lambda pair: pair[0].order))


def known_kinds() -> list[str]:
    return list(dict.fromkeys(k.name for k, _ in _kinds()))


def detect_kind(name: str, data: bytes) -> str:
    """The first kind whose sniffer recognises the bytes; the file name's extension only as a last resort."""
    sniffed = Sniffed(name, data)
    for kind, sniff in _kinds():
        if sniff(sniffed):
            return kind.name
    if sniffed.xml_root is not None:
        return "unknown"  # XML of no known kind: its extension says nothing more
    suffix = Path(name).suffix.lower()
    return next((k.name for k, _ in _kinds() if suffix and suffix in k.extensions), "unknown")


def verdict_of(findings: list[Finding]) -> str:
    verdicts = {f.verdict for f in findings}
    if Verdict.FAIL in verdicts:
        return "fail"
    if Verdict.WARN in verdicts:
        return "warn"
    if Verdict.PASS in verdicts or not verdicts:
        return "pass"
    return "not-applicable"


def validate_bytes(
    name: str,
    data: bytes,
    ctx: CheckContext | None = None,
    socles: list[str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> FileResult:
    """Run every installed check for the kind of `data`; see the module docstring for HARNESS-* ids."""
    kind = detect_kind(name, data)
    art = Artifact(kind, name, data)
    if len(data) > max_bytes:
        rid = input_rule(kind, socles)
        findings = [M.fail(rid, "input-too-large", name, limit=max_bytes)]
    elif kind == "unknown":
        findings = [M.fail("HARNESS-KIND", "kind-unknown", name)]
    else:
        findings = _run_checks(art, ctx or CheckContext(), socles)
    findings = [f if f.evidence else replace(f, evidence=art.sha256) for f in apply_levels(findings)]
    return FileResult(name, kind, verdict_of(findings), findings)


def _run_checks(art: Artifact, ctx: CheckContext, socles: list[str] | None) -> list[Finding]:
    from conformance.socle import load_all_checks

    load_all_checks()  # idempotent: modules register once
    if not checks_for(art.kind, socles):
        return [M.not_applicable("HARNESS-KIND", "kind-no-checks", art.name, kind=art.kind)]
    return run_checks(art, ctx, socles)


def validate_path(
    path: Path | str,
    ctx: CheckContext | None = None,
    socles: list[str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> FileResult:
    """Read at most `max_bytes + 1` bytes of `path` (the extra byte detects oversize) and validate them."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        findings = [M.fail("HARNESS-INPUT", "input-unreadable", str(p), reason=exc.strerror or exc)]
        return FileResult(str(p), "unknown", "fail", findings)
    return validate_bytes(str(p), data, ctx, socles, max_bytes)


def results_json(results: list[FileResult]) -> str:
    return json.dumps([r.to_json() for r in results], ensure_ascii=False, indent=2)
