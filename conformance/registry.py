"""Registry of checks by artifact kind, filled by the socles when they are loaded.

A check is `fn(artifact, ctx) -> Iterable[Finding]`. Registration is explicit (a decorator at
import time) so that a third-party socle adds checks without touching the core.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from conformance.model import Artifact, CheckContext, Finding

CheckFn = Callable[[Artifact, CheckContext], Iterable[Finding]]


@dataclass(frozen=True)
class RegisteredCheck:
    name: str
    kind: str
    socle: str
    fn: CheckFn


_CHECKS: list[RegisteredCheck] = []


def check(kind: str, socle: str) -> Callable[[CheckFn], CheckFn]:
    """Register `fn` as a check over artifacts of `kind`."""

    def deco(fn: CheckFn) -> CheckFn:
        name = f"{fn.__module__}.{fn.__qualname__}"
        if not any(c.name == name for c in _CHECKS):
            _CHECKS.append(RegisteredCheck(name, kind, socle, fn))
        return fn

    return deco


def checks_for(kind: str, socles: Iterable[str] | None = None) -> list[RegisteredCheck]:
    wanted = set(socles) if socles is not None else None
    return [c for c in _CHECKS if c.kind == kind and (wanted is None or c.socle in wanted)]


def all_checks() -> list[RegisteredCheck]:
    return list(_CHECKS)
