"""What the engine reads from a collected scenario: its socle, the requirements it declares, its title.

A scenario is a pytest item under a selected socle's suite; anything else pytest collected in the
same session (a project's own tests) is left out of the run.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import pytest

from conformance.socle import Socle


@functools.lru_cache(maxsize=256)
def _resolved(path: str) -> Path:
    """A module's or a suite's real path, resolved once per process: every item of a module shares it, and the
    engine asks for each item several times (selection, scheduling, reports): 0.1 s per process uncached."""
    return Path(path).resolve()


def socle_of(item: pytest.Item, socles: Sequence[Socle]) -> str | None:
    """The selected socle whose suite holds `item`, or None."""
    path = _resolved(str(item.path))
    for socle in socles:
        if path.is_relative_to(_resolved(str(socle.suite))):
            return socle.name
    return None


def declared(item: pytest.Item) -> list[str]:
    """The requirement ids of its `@pytest.mark.requirements(...)` marks, in order, once each."""
    ids: list[str] = []
    for mark in item.iter_markers("requirements"):
        ids.extend(mark.args)
    return list(dict.fromkeys(ids))


def title(item: pytest.Item) -> str:
    """The first line of its docstring (else its name), with the parameter id of a parametrized scenario."""
    doc = getattr(getattr(item, "function", None), "__doc__", None) or ""
    text = doc.strip().splitlines()[0] if doc.strip() else item.name
    callspec = getattr(item, "callspec", None)
    return f"{text} [{callspec.id}]" if callspec is not None else text


def select(items: list[pytest.Item], socles: Sequence[Socle]) -> None:
    """Keep the selected socles' scenarios; junit.xml gets their requirements and socle as properties."""
    items[:] = [i for i in items if socle_of(i, socles) is not None]
    for item in items:
        item.user_properties.append(("requirements", " ".join(declared(item))))
        item.user_properties.append(("socle", socle_of(item, socles) or ""))
