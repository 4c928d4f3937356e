"""The demo DUI composes the installed socles' reference parts: specs, defects, routing, answers.

Each socle's part is tested under tests/socles/<socle>/reference; here, what `conformance.demo` adds:
`demo:<defect>` and `demo:<d1>+<d2>` parsing, one defect per socle handed to that socle's part only,
settings routed by socle key and actions by verb, `bind` giving each part the others, and the defects
tables read through `conformance.socle` (names unique across socles, requirements of their catalog).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conformance import socle as socle_module
from conformance.demo import DemoDriver, chosen_defects
from conformance.drivers.base import Action, DriverError, Outcome
from conformance.drivers.registry import load
from conformance.identity import DEMO
from conformance.requirements import load_catalog
from conformance.socle import Defect, Socle, all_defects, find_defect, installed_socles

# -- the installed socles' defects tables --------------------------------------------------------------


def test_defect_names_are_unique_across_socles() -> None:
    names = [d.name for d in all_defects()]
    assert len(names) == len(set(names))
    counts = {name: len(s.seeded_defects()) for name, s in installed_socles().items()}
    assert counts["mssante"] >= 36 and counts["dmp"] >= 42 and counts["eprescription"] >= 29


@pytest.mark.parametrize("name", sorted(installed_socles()))
def test_every_row_names_a_requirement_of_its_socle(name: str) -> None:
    socle = installed_socles()[name]
    catalog = load_catalog(socle.catalog)
    for d in socle.seeded_defects():
        assert d.socle == name and d.description and d.switch is not None, d.name
        assert d.requirement in catalog.requirements, d.name
        assert set(d.needs) <= set(installed_socles()) - {name}, d.name
        assert find_defect(d.name) == d


# -- specs and composition -----------------------------------------------------------------------------


def test_driver_specs() -> None:
    assert load("demo").name == "demo"
    assert load("demo:").name == "demo"
    assert load("demo:missing-nil").name == "demo:missing-nil"
    with pytest.raises(DriverError, match="unknown demo defect 'no-such-defect' \\(known: .*missing-nil"):
        load("demo:no-such-defect")


def test_one_defect_per_socle() -> None:
    two = "missing-nil+xds-no-source-id+no-qr-code"
    assert DemoDriver(two).name == f"demo:{two}"
    assert {s: d.name for s, d in chosen_defects(two).items()} == {
        "mssante": "missing-nil",
        "dmp": "xds-no-source-id",
        "eprescription": "no-qr-code",
    }
    with pytest.raises(DriverError, match="at most one defect per socle: 'missing-nil' and 'no-audit'"):
        DemoDriver("missing-nil+no-audit")


def test_every_socle_has_its_part_and_every_verb_answers() -> None:
    """Unconfigured, with no parameters, every verb still answers (never raises); unknown verbs are refused."""
    dui = DemoDriver()
    assert set(dui.parts) == set(installed_socles())
    assert {v for p in dui.parts.values() for v in p.verbs} == set(dui.verbs)
    for verb in dui.verbs:
        out = dui.act(Action(verb, {}))
        assert isinstance(out, Outcome) and out.status in ("refused", "error"), verb
    assert dui.act(Action("no.such.verb", {})).to_json() == {
        "status": "error",
        "data": {},
        "detail": "unsupported verb",
    }


# -- the composer on toy socles --------------------------------------------------------------------------


class ToyPart:
    """A part that records what the composer hands it."""

    def __init__(self, defect: Defect | None) -> None:
        self.defect = defect
        self.settings: dict[str, Any] = {}
        self.peers: dict[str, Any] = {}
        self.verbs = {f"toy{id(self)}.ping": self.ping}

    def configure(self, settings: dict[str, Any]) -> None:
        self.settings = settings

    def bind(self, peers: dict[str, Any]) -> None:
        self.peers = dict(peers)

    def ping(self, params: dict[str, Any], timeout: float) -> Outcome:
        if params.get("crash"):
            raise RuntimeError("boom")
        return Outcome("ok", {"defect": self.defect.name if self.defect else None, "timeout": timeout})


class PartWithoutBind(ToyPart):
    bind = None  # type: ignore[assignment]


TOY_DEFECTS = (Defect("toy-a-broken", "toy-a", "TOY-01", "breaks toy a", switch=object()),)


def _toy(name: str, part: type[ToyPart], defects: str = "") -> Socle:
    return Socle(name, name, name, Path("."), Path("."), reference=f"{__name__}:{part.__name__}", defects=defects)


@pytest.fixture
def toys(monkeypatch: pytest.MonkeyPatch) -> None:
    socles = {
        "toy-a": _toy("toy-a", ToyPart, f"{__name__}:TOY_DEFECTS"),
        "toy-b": _toy("toy-b", PartWithoutBind),
    }
    monkeypatch.setattr(socle_module, "installed_socles", lambda: socles)


def test_defect_goes_to_its_socles_part_only(toys: None) -> None:
    dui = DemoDriver("toy-a-broken")
    a, b = dui.parts["toy-a"], dui.parts["toy-b"]
    assert isinstance(a, ToyPart) and isinstance(b, ToyPart)
    assert a.defect is TOY_DEFECTS[0] and b.defect is None
    assert a.peers == {"toy-b": b} and b.peers == {}  # bind is optional
    assert dui.name == "demo:toy-a-broken"


def test_settings_by_socle_and_actions_by_verb(toys: None) -> None:
    dui = DemoDriver()
    dui.configure({"toy-a": {"x": 1}, "elsewhere": {"y": 2}})
    a = dui.parts["toy-a"]
    assert isinstance(a, ToyPart) and a.settings == {"x": 1, "software": DEMO.to_json()}  # it names itself
    (verb,) = a.verbs
    assert dui.act(Action(verb, {}), timeout=12.0).data == {"defect": None, "timeout": 12.0}
    crashed = dui.act(Action(verb, {"crash": True}))
    assert crashed.status == "error" and crashed.detail == "erreur interne du DUI : RuntimeError: boom"


def test_a_verb_handled_twice_is_refused(toys: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The parts are made on first use (a parallel run's controller only greets the driver): a plug-in socle's
    part that claims another's verb is refused there, before any verb is answered."""
    monkeypatch.setattr(ToyPart, "__init__", lambda self, defect: setattr(self, "verbs", {"toy.ping": None}))
    driver = DemoDriver()
    with pytest.raises(DriverError, match="verb 'toy.ping' is handled by two reference parts"):
        driver.act(Action("toy.ping", {}))
