"""Artifact mode: `conformance validate FILE` recognises what a file is and runs its checks.

The kind is sniffed from the content (a renamed file is still judged for what it is), the size
is bounded before anything is parsed, every artifact the file holds is judged too (an ITI-41
request's metadata and documents, an e-mail's archive and PDF copies, an archive's documents: the
socles' expanders, the same as in a scenario), every check runs isolated (a crash becomes a
failing finding, never a traceback) and the catalog levels are applied exactly as in a scenario.
Time-dependent rules judge against the reference time of the context (`CheckContext.at`: the
capture time, or `validate --at`), and the result says which time that was.

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
from conformance.registry import checks_for, dedupe, expander_for, judge, refusal_rule
from conformance.socle import Kind

DEFAULT_MAX_BYTES = 64 * 1024 * 1024


def input_rule(kind: str, socles: list[str] | None = None) -> str:
    """The rule that fails when a `kind` file cannot even be read (too large, truncated)."""
    from conformance.socle import load_all_checks

    load_all_checks()  # the readers, and so the refusal rules, register with the checks
    return refusal_rule(kind, socles) or "HARNESS-INPUT"


@dataclass(frozen=True)
class Part:
    """One artifact the file holds (the file itself first): findings name it by its SHA-256 (`evidence`)."""

    name: str
    kind: str
    sha256: str
    parent: str | None = None  # the name of the artifact that holds it

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "sha256": self.sha256, "parent": self.parent}


@dataclass
class FileResult:
    file: str
    kind: str
    verdict: str  # pass | warn | fail | not-applicable
    findings: list[Finding] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)
    reference_time: str = ""  # the time time-dependent rules judged against (ISO 8601), "" for none given
    reference_source: str = "validation"  # capture | given | validation

    def part_of(self, f: Finding) -> Part | None:
        """The artifact a finding was computed from (None when it is the file's own)."""
        return next((p for p in self.parts[1:] if p.sha256 == f.evidence), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "kind": self.kind,
            "verdict": self.verdict,
            "findings": [f.to_json() for f in self.findings],
            "parts": [p.to_json() for p in self.parts],
            "reference_time": {"time": self.reference_time, "source": self.reference_source},
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
    meta: dict[str, Any] | None = None,
    kind: str | None = None,
) -> FileResult:
    """Run every installed check for the kind of `data` and of every artifact it holds (the same
    expansion as a scenario's: `conformance.registry.judge`); see the module docstring for HARNESS-* ids.

    `ctx.at` is the reference time of time-dependent rules (the capture time, or `--at`); without it
    they judge against the validation time or say they cannot, and the result says which. `meta` is
    what was captured with the bytes (an HTTP body's `content_type`, as the evidence journal keeps it);
    `kind`, when the caller knows it (an evidence entry judged by a scenario), replaces the sniffing.
    """
    ctx = ctx or CheckContext()
    kind = kind or detect_kind(name, data)
    art = Artifact(kind, name, data, dict(meta or {}))
    parts = [Part(name, kind, art.sha256)]
    if len(data) > max_bytes:
        rid = input_rule(kind, socles)
        findings = [M.fail(rid, "input-too-large", name, limit=max_bytes)]
    elif kind == "unknown":
        findings = [M.fail("HARNESS-KIND", "kind-unknown", name)]
    else:
        findings, parts = _judge(art, ctx, socles)
    findings = [f if f.evidence else replace(f, evidence=art.sha256) for f in apply_levels(findings)]
    at, source = ctx.reference_time()
    when = at.isoformat(timespec="seconds") if source != "validation" else ""
    return FileResult(name, kind, verdict_of(findings), findings, parts, when, source)


def _judge(art: Artifact, ctx: CheckContext, socles: list[str] | None) -> tuple[list[Finding], list[Part]]:
    from conformance.socle import load_all_checks

    load_all_checks()  # idempotent: modules register once
    if not checks_for(art.kind, socles) and not any(expander_for(art.kind, s) for s in _socle_names(socles)):
        none = [M.not_applicable("HARNESS-KIND", "kind-no-checks", art.name, kind=art.kind)]
        return none, [Part(art.name, art.kind, art.sha256)]
    tree = judge(art, ctx, socles)
    findings = dedupe(
        f if f.evidence else replace(f, evidence=node.artifact.sha256) for node in tree for f in node.findings
    )
    return findings, [Part(n.artifact.name, n.artifact.kind, n.artifact.sha256, n.parent) for n in tree]


def _socle_names(socles: list[str] | None) -> list[str]:
    from conformance.socle import installed_socles

    return list(socles) if socles is not None else list(installed_socles())


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
