"""The reference DUI ("demo" driver): the installed socles' reference parts, composed into one DUI.

Each socle ships its part of the reference DUI (`Socle.reference`, under `socles/<socle>/reference/`):
an object with `configure(settings)` for its own settings section, `verbs` (verb -> callable taking
`(params, timeout)` and returning an `Outcome`, never raising) and, when it needs another socle's part
(the e-prescription part shares its ordonnance through the DMP and MSSanté parts), `bind(peers)`, which
receives the other parts by socle name. This module knows no socle: it asks each installed one for its
part, hands each part the seeded defect chosen for its socle, and routes settings by socle key and
actions by verb. It also holds what every part shares, so that parts answer alike: `Refused` (a rule
forbids the action), `internal_error` (a bug is an answer, not a traceback), `exchange_timeout` and
`switches_of` (a part's switches from the chosen row of its socle's defects table).

Every part names the software in its exchanges (VIHF LPS_*, HTTP User-Agent, X-Mailer) from the settings'
`software` entry, which `DemoDriver.configure` fills with `DemoDriver.software`: the harness's demonstration
DUI (`conformance.identity.DEMO`), so that a run of it, or of a driver that merely subclasses it, is seen for
what it is and never counts.

`DemoDriver()` passes every suite; `DemoDriver("<defect>")` (CLI: `--dui demo:<defect>`) makes exactly
one requirement fail, and `DemoDriver("<d1>+<d2>")` breaks several socles at once (one defect per socle)
so that a certificate can show some socles broken and others not. `conformance defects` lists them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any, Protocol, TypeVar

from conformance import socle as socles
from conformance.drivers.base import Action, Driver, DriverError, Outcome
from conformance.identity import DEMO, Software

Verb = Callable[[dict[str, Any], float], Outcome]
S = TypeVar("S")


class ReferencePart(Protocol):
    """What a socle's `reference` factory returns (`bind(peers)` is optional)."""

    @property
    def verbs(self) -> Mapping[str, Verb]: ...

    def configure(self, settings: dict[str, Any]) -> None: ...


class Refused(Exception):
    """A rule forbids what the reference DUI is asked (driver status "refused"); `str(exc)` is what the user
    is told."""


def internal_error(exc: Exception) -> Outcome:
    """A bug of the reference DUI is still an answer, never a traceback."""
    return Outcome("error", detail=f"erreur interne du DUI : {type(exc).__name__}: {exc}")


def switches_of(cls: type[S], defect: socles.Defect | None, kinds: Mapping[type, str]) -> S:
    """A part's switches for the chosen row: `cls()`, with the row's switch in the field `kinds` gives its type.

    A switch of no kind listed is a mistake in the socle's defects table, never a silent reference DUI."""
    if defect is None:
        return cls()
    for kind, name in kinds.items():
        if isinstance(defect.switch, kind):
            return cls(**{name: defect.switch})
    raise TypeError(f"defect {defect.name!r}: {defect.switch!r} is no switch of {cls.__module__}.{cls.__name__}")


def exchange_timeout(timeout: float) -> float:
    """How long one network exchange of a verb may take: a third of the verb's time, within 1-10 s."""
    return max(1.0, min(10.0, timeout / 3))


def chosen_defects(spec: str | None) -> dict[str, socles.Defect]:
    """`d1+d2` -> {socle: defect}: known names only, at most one per socle (None: no defect; "": a mistake)."""
    chosen: dict[str, socles.Defect] = {}
    for name in spec.split("+") if spec is not None else []:
        found = socles.find_defect(name)
        if found is None:
            known = ", ".join(d.name for d in socles.all_defects())
            raise DriverError(f"unknown demo defect {name!r} (known: {known})", "dui-demo-defect", name=name)
        if found.socle in chosen:
            first = chosen[found.socle].name
            raise DriverError(
                f"at most one defect per socle: {first!r} and {name!r}",
                "dui-demo-two-defects",
                first=first,
                second=name,
            )
        chosen[found.socle] = found
    return chosen


class DemoDriver(Driver):
    name = "demo"
    traffic_timeout = 10.0
    software: Software = DEMO  # how it names itself in every exchange

    def __init__(self, defect: str | None = None) -> None:
        self._chosen = chosen_defects(defect)  # a wrong defect name is the user's mistake: told at once
        self.defect = defect
        if defect:
            self.name = f"demo:{defect}"

    # The reference parts are made on first use (the DUI configured, or asked to act): their builders and
    # clients import signxml, segno, the PDF and MIME builders (80 ms), which a parallel run's controller loads
    # the driver for only to greet it, before it can start its workers.
    @cached_property
    def parts(self) -> dict[str, ReferencePart]:
        parts: dict[str, ReferencePart] = {}
        for socle in socles.installed_socles().values():
            factory = socle.reference_factory()
            if factory is not None:
                parts[socle.name] = factory(self._chosen.get(socle.name))
        for name, part in parts.items():
            bind = getattr(part, "bind", None)
            if bind is not None:
                bind({other: p for other, p in parts.items() if other != name})
        return parts

    @cached_property
    def verbs(self) -> dict[str, Verb]:
        verbs: dict[str, Verb] = {}
        for name, part in self.parts.items():
            for verb, fn in part.verbs.items():
                if verb in verbs:
                    raise DriverError(f"verb {verb!r} is handled by two reference parts (the second: {name})")
                verbs[verb] = fn
        return verbs

    def configure(self, settings: dict[str, Any]) -> None:
        """Each socle's section goes to that socle's part; sections no part owns are ignored."""
        for key, section in settings.items():
            part = self.parts.get(key)
            if part is not None:
                part.configure({**section, "software": self.software.to_json()})

    def act(self, action: Action, timeout: float = 30.0) -> Outcome:
        fn = self.verbs.get(action.verb)
        if fn is None:
            return Outcome("error", detail="unsupported verb")
        try:
            return fn(dict(action.params), timeout)
        except Exception as exc:  # parts answer their own failures; this is the last safety net
            return internal_error(exc)
