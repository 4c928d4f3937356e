"""The one registry of checks, and of how each socle reads an artifact kind.

A check is written one way: `@check(kind, socle, *requirements)` over a function
`fn(subject, ctx) -> Iterable[Finding]`. The subject is what the socle's *reader* of that kind made
of the artifact (an e-mail view, a parsed CDA, a FHIR view), built once per artifact and socle, so
the prologue every check used to repeat (parse, refuse what cannot be parsed) lives in one place.
A socle without a reader for a kind receives the `Artifact` itself.

`run_checks` is the single code path from an artifact to findings: scenarios (the verifier),
`conformance validate` and the mock services all call it, so they cannot disagree.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from conformance.model import Artifact, CheckContext, Finding, Verdict

CheckFn = Callable[[Any, CheckContext], Iterable[Finding]]
ReadFn = Callable[[Artifact, CheckContext], Any]


class RegistryError(ValueError):
    """Two registrations claim the same name: a packaging mistake, reported at import time."""


class Unreadable(Exception):
    """Raised by a reader: the artifact cannot be read as its kind; the reason goes into findings."""

    def __init__(self, en: str, fr: str, location: str = "") -> None:
        super().__init__(en)
        self.en = en
        self.fr = fr
        self.location = location


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


@dataclass
class _Registry:
    checks: dict[str, RegisteredCheck] = field(default_factory=dict)
    readers: dict[tuple[str, str], Reader] = field(default_factory=dict)


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
    what = f"{type(exc).__name__}: {exc}"
    return Finding(
        "HARNESS-CHECK",
        Verdict.FAIL,
        f"check {rc.name} crashed: {what}",
        f"la vérification {rc.name} a échoué : {what}",
        where,
    )


def _refused(rd: Reader, exc: Unreadable, checks: list[RegisteredCheck]) -> list[Finding]:
    """One failure per requirement the unreadable artifact kept from being judged, the reader's first."""
    skipped = [rid for c in checks for rid in c.requirements] if rd.fail_skipped else []
    rids = dict.fromkeys([rd.refusal_rule, *skipped])
    return [Finding(rid, Verdict.FAIL, exc.en, exc.fr, exc.location) for rid in rids]


def _socle_findings(art: Artifact, ctx: CheckContext, socle: str, checks: list[RegisteredCheck]) -> list[Finding]:
    rd = _REG.readers.get((art.kind, socle))
    subject: Any = art
    if rd is not None:
        try:
            subject = rd.read(art, ctx)
        except Unreadable as exc:
            return _refused(rd, exc, checks)
        except Exception as exc:  # a reader bug: reported like a check bug
            broken = RegisteredCheck(f"reader of {art.kind} ({socle})", art.kind, socle, rd.read, ())
            return [_crashed(broken, exc, art.name)]
    found: list[Finding] = []
    for rc in checks:
        try:
            found.extend(rc.fn(subject, ctx))
        except Exception as exc:
            found.append(_crashed(rc, exc, art.name))
    return found


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


def run_checks(
    art: Artifact,
    ctx: CheckContext | None = None,
    socles: Iterable[str] | None = None,
    evidence: str | None = None,
) -> list[Finding]:
    """Every registered check of `socles` (all when None) over `art`, each socle reading it once.

    Findings carry `evidence` (default: the artifact's SHA-256) unless a check named another; catalog
    levels are not applied here (see `conformance.levels.apply_levels`), the caller decides.
    """
    ctx = ctx or CheckContext()
    by_socle: dict[str, list[RegisteredCheck]] = {}
    for rc in checks_for(art.kind, socles):
        by_socle.setdefault(rc.socle, []).append(rc)
    found: list[Finding] = []
    for socle, checks in by_socle.items():
        found.extend(_socle_findings(art, ctx, socle, checks))
    digest = evidence or art.sha256
    return [f if f.evidence else replace(f, evidence=digest) for f in dedupe(found)]


def signature_ok(fn: Callable[..., Any]) -> bool:
    """True when `fn` takes exactly (subject, ctx): used by the tests that keep checks one-shaped."""
    params = list(inspect.signature(fn).parameters.values())
    return len(params) == 2 and all(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)
