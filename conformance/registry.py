"""The one registry of checks, and of how each socle reads an artifact kind.

A check is written one way: `@check(kind, socle, *requirements)` over a function
`fn(subject, ctx) -> Iterable[Finding]`. The subject is what the socle's *reader* of that kind made
of the artifact (an e-mail view, a parsed CDA, a FHIR view), built once per artifact and socle, so
the prologue every check used to repeat (parse, refuse what cannot be parsed) lives in one place.
A socle without a reader for a kind receives the `Artifact` itself.

An artifact may hold others (an ITI-41 request its XDS metadata and its documents, an e-mail its
IHE_XDM archive and PDF copies, an archive its documents). The socle that reads the container says
what it holds with an *expander*, `@expander(kind, socle)` over `fn(subject, artifact, ctx)`, which
yields the sub-artifacts from the subject its reader already made (no second parse). `judge` walks
that tree, bounded in depth and size, each artifact judged once; `run_checks` is its flat form.
They are the single code path from an artifact to findings: scenarios (the verifier),
`conformance validate` and the mock services all call them, so they cannot disagree about what a
file holds or how each part is judged.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from conformance.engine.messages import M
from conformance.model import Artifact, CheckContext, Finding, Verdict

CheckFn = Callable[[Any, CheckContext], Iterable[Finding]]
ReadFn = Callable[[Artifact, CheckContext], Any]
ExpandFn = Callable[[Any, Artifact, CheckContext], Iterable[Artifact]]

MAX_DEPTH = 4  # e-mail > IHE_XDM archive > document > (nothing deeper today): room for one more level
MAX_PARTS = 256  # sub-artifacts of one artifact, all levels together


class RegistryError(ValueError):
    """Two registrations claim the same name: a packaging mistake, reported at import time."""


class Unreadable(Exception):
    """Raised by a reader: the artifact cannot be read as its kind; the reason goes into findings.

    (`en`, `fr`) is the refusal rule's message; `others`, when given, is the message of the rules
    the refusal keeps from being judged ("cannot be verified: ... see <refusal rule>").
    """

    def __init__(self, en: str, fr: str, location: str = "", *, others: tuple[str, str] | None = None) -> None:
        super().__init__(en)
        self.en = en
        self.fr = fr
        self.location = location
        self.others = others


@dataclass(frozen=True)
class Reader:
    """How one socle reads one artifact kind, and which rule fails when it cannot."""

    kind: str
    socle: str
    read: ReadFn
    refusal_rule: str  # the structural requirement of the kind for this socle
    fail_skipped: bool = True  # a refusal also fails every requirement the skipped checks declare


@dataclass(frozen=True)
class RegisteredCheck:
    name: str  # module.qualname
    kind: str
    socle: str
    fn: CheckFn
    requirements: tuple[str, ...]
    origin: tuple[str, int] = ("", 0)  # file and line, to tell a re-import from a duplicate


@dataclass(frozen=True)
class Expander:
    """How one socle finds the artifacts an artifact of `kind` holds (from what its reader made)."""

    kind: str
    socle: str
    fn: ExpandFn


@dataclass
class _Registry:
    checks: dict[str, RegisteredCheck] = field(default_factory=dict)
    readers: dict[tuple[str, str], Reader] = field(default_factory=dict)
    expanders: dict[tuple[str, str], Expander] = field(default_factory=dict)


_REG = _Registry()


def _origin(fn: Callable[..., Any]) -> tuple[str, int]:
    code = getattr(fn, "__code__", None)
    return (code.co_filename, code.co_firstlineno) if code is not None else ("", 0)


def check(kind: str, socle: str, *requirements: str) -> Callable[[CheckFn], CheckFn]:
    """Register `fn(subject, ctx)` as a check of `socle` over artifacts of `kind`.

    `requirements` are the ids the check judges: they are failed with the reader's reason when the
    artifact cannot be read, and listed by `conformance requirements`.
    """

    def deco(fn: CheckFn) -> CheckFn:
        name = f"{fn.__module__}.{fn.__qualname__}"
        entry = RegisteredCheck(name, kind, socle, fn, tuple(requirements), _origin(fn))
        known = _REG.checks.get(name)
        if known is not None and known.origin != entry.origin:
            raise RegistryError(f"two checks are named {name}: {known.origin} and {entry.origin}")
        _REG.checks[name] = entry  # a re-import (same place) replaces its earlier self
        return fn

    return deco


def reader(kind: str, socle: str, refusal_rule: str, *, fail_skipped: bool = True) -> Callable[[ReadFn], ReadFn]:
    """Register `read(artifact, ctx)` as how `socle` reads `kind`; it raises `Unreadable` to refuse.

    A refusal fails `refusal_rule` and, unless `fail_skipped` is False, every requirement the skipped
    checks declare. A socle whose other rules are simply not judged on an unreadable artifact (the
    DMP: an unreadable CDA fails DMP-C02 alone) registers its readers with `fail_skipped=False`.
    """

    def deco(fn: ReadFn) -> ReadFn:
        known = _REG.readers.get((kind, socle))
        if known is not None and _origin(known.read) != _origin(fn):
            raise RegistryError(f"{socle} registers two readers of {kind!r}")
        _REG.readers[(kind, socle)] = Reader(kind, socle, fn, refusal_rule, fail_skipped)
        return fn

    return deco


def expander(kind: str, socle: str) -> Callable[[ExpandFn], ExpandFn]:
    """Register `fn(subject, artifact, ctx) -> Iterable[Artifact]`: the artifacts a `kind` artifact holds.

    `subject` is what `socle`'s reader made of the artifact (the artifact itself without a reader);
    an artifact the reader refuses is not expanded (its refusal rule already says why). Each
    sub-artifact is judged like a file of its kind; its `meta` carries what only the container
    knows (the e-mail's X-MSS-INS header for its archive, the MTOM parts for the XDS metadata).
    """

    def deco(fn: ExpandFn) -> ExpandFn:
        known = _REG.expanders.get((kind, socle))
        if known is not None and _origin(known.fn) != _origin(fn):
            raise RegistryError(f"{socle} registers two expanders of {kind!r}")
        _REG.expanders[(kind, socle)] = Expander(kind, socle, fn)
        return fn

    return deco


def expander_for(kind: str, socle: str) -> Expander | None:
    return _REG.expanders.get((kind, socle))


def checks_for(kind: str, socles: Iterable[str] | None = None) -> list[RegisteredCheck]:
    wanted = set(socles) if socles is not None else None
    return [c for c in _REG.checks.values() if c.kind == kind and (wanted is None or c.socle in wanted)]


def all_checks() -> list[RegisteredCheck]:
    return list(_REG.checks.values())


def reader_for(kind: str, socle: str) -> Reader | None:
    return _REG.readers.get((kind, socle))


def refusal_rule(kind: str, socles: Iterable[str] | None = None) -> str | None:
    """The rule that fails when a `kind` artifact cannot even be read (first socle that names one)."""
    wanted = set(socles) if socles is not None else None
    for (k, socle), rd in sorted(_REG.readers.items()):
        if k == kind and (wanted is None or socle in wanted):
            return rd.refusal_rule
    return None


def kinds_checked() -> set[str]:
    return {c.kind for c in _REG.checks.values()}


def _crashed(rc: RegisteredCheck, exc: BaseException, where: str) -> Finding:
    """A check bug is reported against the input as HARNESS-CHECK, never as a traceback."""
    return M.fail("HARNESS-CHECK", "check-crashed", where, name=rc.name, error=f"{type(exc).__name__}: {exc}")


def _refused(rd: Reader, exc: Unreadable, checks: list[RegisteredCheck]) -> list[Finding]:
    """One failure per requirement the unreadable artifact kept from being judged, the reader's first."""
    skipped = [rid for c in checks for rid in c.requirements] if rd.fail_skipped else []
    rids = dict.fromkeys([rd.refusal_rule, *skipped])
    other_en, other_fr = exc.others or (exc.en, exc.fr)
    return [
        Finding(rid, Verdict.FAIL, exc.en, exc.fr, exc.location)
        if rid == rd.refusal_rule
        else Finding(rid, Verdict.FAIL, other_en, other_fr, exc.location)
        for rid in rids
    ]


def _none(subject: Any, ctx: CheckContext) -> Iterable[Finding]:
    return ()


def _socle_findings(
    art: Artifact, ctx: CheckContext, socle: str, checks: list[RegisteredCheck]
) -> tuple[list[Finding], list[Artifact]]:
    """What `socle` says about `art`, and the artifacts it finds inside (its reader reads once)."""
    rd = _REG.readers.get((art.kind, socle))
    subject: Any = art
    if rd is not None:
        try:
            subject = rd.read(art, ctx)
        except Unreadable as exc:
            return _refused(rd, exc, checks), []
        except Exception as exc:  # a reader bug: reported like a check bug
            broken = RegisteredCheck(f"reader of {art.kind} ({socle})", art.kind, socle, rd.read, ())
            return [_crashed(broken, exc, art.name)], []
    found: list[Finding] = []
    for rc in checks:
        try:
            found.extend(rc.fn(subject, ctx))
        except Exception as exc:
            found.append(_crashed(rc, exc, art.name))
    parts: list[Artifact] = []
    ex = _REG.expanders.get((art.kind, socle))
    if ex is not None:
        try:
            parts = list(ex.fn(subject, art, ctx))
        except Exception as exc:  # an expander bug hides parts: reported, never a traceback
            broken = RegisteredCheck(f"expander of {art.kind} ({socle})", art.kind, socle, rd.read if rd else _none, ())
            found.append(_crashed(broken, exc, art.name))
    return found, parts


def dedupe(findings: Iterable[Finding]) -> list[Finding]:
    """A failure or warning two checks report at one place for one rule is reported once."""
    out: list[Finding] = []
    seen: set[tuple[str, Verdict, str, str]] = set()
    for f in findings:
        key = (f.requirement, f.verdict, f.location, f.message_en)
        if f.verdict in (Verdict.FAIL, Verdict.WARN) and key in seen:
            continue
        seen.add(key)
        out.append(f)
    return out


@dataclass
class Judged:
    """One artifact of a judged tree: what it is, where it came from, what the checks said."""

    artifact: Artifact
    findings: list[Finding]
    parent: str | None = None  # name of the artifact that holds it (None: the artifact given)
    depth: int = 0

    @property
    def evidence(self) -> str:
        ref = self.artifact.meta.get("evidence_ref")
        return str(getattr(ref, "sha256", "") or self.artifact.sha256)


def _judge_one(art: Artifact, ctx: CheckContext, socles: Iterable[str] | None) -> tuple[list[Finding], list[Artifact]]:
    wanted = set(socles) if socles is not None else None
    by_socle: dict[str, list[RegisteredCheck]] = {}
    for rc in checks_for(art.kind, socles):
        by_socle.setdefault(rc.socle, []).append(rc)
    for k, socle in _REG.expanders:
        if k == art.kind and (wanted is None or socle in wanted):
            by_socle.setdefault(socle, [])
    found: list[Finding] = []
    parts: list[Artifact] = []
    for socle, checks in by_socle.items():
        f, p = _socle_findings(art, ctx, socle, checks)
        found.extend(f)
        parts.extend(p)
    return dedupe(found), parts


def judge(art: Artifact, ctx: CheckContext | None = None, socles: Iterable[str] | None = None) -> list[Judged]:
    """`art` and every artifact it holds, depth first, each judged by every check of `socles` (all
    when None) for its kind. The same content found twice (same kind and bytes) is judged once; the
    walk stops at `MAX_DEPTH` levels and `MAX_PARTS` sub-artifacts (a hostile container cannot make
    it unbounded). Catalog levels are not applied here (see `conformance.levels.apply_levels`)."""
    ctx = ctx or CheckContext()
    socles = list(socles) if socles is not None else None
    out: list[Judged] = []
    seen: set[tuple[str, str]] = set()

    def walk(a: Artifact, parent: str | None, depth: int) -> None:
        seen.add((a.kind, a.sha256))
        findings, parts = _judge_one(a, ctx, socles)
        out.append(Judged(a, findings, parent, depth))
        if depth >= MAX_DEPTH:
            return
        for part in parts:
            if len(out) > MAX_PARTS or (part.kind, part.sha256) in seen:
                continue
            walk(part, a.name, depth + 1)

    walk(art, None, 0)
    return out


def run_checks(
    art: Artifact,
    ctx: CheckContext | None = None,
    socles: Iterable[str] | None = None,
    evidence: str | None = None,
) -> list[Finding]:
    """Every registered check of `socles` (all when None) over `art` and the artifacts it holds.

    Findings carry the SHA-256 of the artifact they were computed from unless a check named another
    (`evidence`, when given, stands for `art` itself); catalog levels are not applied here (see
    `conformance.levels.apply_levels`), the caller decides.
    """
    found: list[Finding] = []
    for node in judge(art, ctx, socles):
        digest = (evidence or art.sha256) if node.parent is None else node.evidence
        found.extend(f if f.evidence else replace(f, evidence=digest) for f in node.findings)
    return dedupe(found)


def signature_ok(fn: Callable[..., Any]) -> bool:
    """True when `fn` takes exactly (subject, ctx): used by the tests that keep checks one-shaped."""
    params = list(inspect.signature(fn).parameters.values())
    return len(params) == 2 and all(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)
