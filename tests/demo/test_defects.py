"""The catalogue of seeded defects: unique, tied to checked EXIGENCEs, one switch each."""

from __future__ import annotations

import tomllib

import pytest

from conformance.demo import defects as catalogue
from conformance.demo.switches import BEHAVIOURS, DEVIATIONS, TRANSPORT, Switches, switches_for
from conformance.drivers.base import DriverError
from conformance.drivers.registry import load
from conformance.paths import profiles_dir
from conformance.socles.mssante.build.inputs import REFERENCE

DEFECTS = catalogue.defects_for("mssante")


def _requirements() -> dict[str, dict[str, object]]:
    data = tomllib.loads((profiles_dir() / "mssante" / "requirements.toml").read_text(encoding="utf-8"))
    return {r["id"]: r for r in data["requirement"]}


def test_names_unique_and_enough() -> None:
    names = [d.name for d in catalogue.DEFECTS]
    assert len(names) == len(set(names)) and len(DEFECTS) >= 22
    assert all(d.socle == "mssante" and d.description for d in DEFECTS)


def test_each_defect_breaks_a_checked_exigence() -> None:
    reqs = _requirements()
    for d in DEFECTS:
        assert d.requirement in reqs, d.name
        assert reqs[d.requirement]["level"] == "EXIGENCE" and reqs[d.requirement]["checked"] is True, d.name


def test_every_checked_exigence_has_its_defect() -> None:
    """Sensitivity (DESIGN.md): every requirement the harness checks can be made to fail by a defect."""
    wanted = {rid for rid, r in _requirements().items() if r["level"] == "EXIGENCE" and r["checked"]}
    assert wanted == {d.requirement for d in DEFECTS}


def test_one_switch_per_defect() -> None:
    names = {d.name for d in DEFECTS}
    tables = [set(DEVIATIONS), set(TRANSPORT), set(BEHAVIOURS)]
    assert set().union(*tables) == names
    assert sum(len(t) for t in tables) == len(names)  # no defect in two tables
    for name in names:
        sw = switches_for(name)
        assert sw != Switches(), name
        assert (sw.deviations != REFERENCE) + (sw.tls != Switches().tls) + bool(sw.behaviours) == 1, name
    assert all(dev != REFERENCE for dev in DEVIATIONS.values())


def test_reference_has_no_switch_and_unknown_names_fail() -> None:
    assert switches_for(None) == Switches()
    with pytest.raises(KeyError):
        switches_for("no-such-defect")
    with pytest.raises(KeyError):
        Switches().on("no-such-behaviour")


def test_driver_specs() -> None:
    assert load("demo").name == "demo"
    assert load("demo:missing-nil").name == "demo:missing-nil"
    with pytest.raises(DriverError, match="unknown demo defect"):
        load("demo:no-such-defect")
