"""Socles are plug-ins: objects found through the entry-point group `conformance.socles`.

MSSanté registers itself exactly as a third party would, so the core never imports a socle by
name.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path

ENTRY_POINT_GROUP = "conformance.socles"


@dataclass
class Socle:
    name: str
    title_fr: str
    title_en: str
    catalog: Path  # requirement catalog (TOML) under profiles/
    suite: Path  # folder of the pytest scenarios
    checks_module: str  # imported to register the socle's checks
    fixtures_module: str = ""  # pytest fixtures of the suite (services), registered as a plugin

    def load_checks(self) -> None:
        importlib.import_module(self.checks_module)


@cache
def installed_socles() -> dict[str, Socle]:
    found: dict[str, Socle] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        obj = ep.load()
        if not isinstance(obj, Socle):
            continue
        found[obj.name] = obj
    return dict(sorted(found.items()))


def get_socle(name: str) -> Socle:
    socles = installed_socles()
    if name not in socles:
        known = ", ".join(socles) or "none"
        raise KeyError(f"unknown socle {name!r} (installed: {known})")
    return socles[name]


def load_all_checks() -> None:
    for socle in installed_socles().values():
        socle.load_checks()
