"""The e-prescription defects table: tied to checked requirements, one switch each, every switch in the
table; and sensitivity: every checked EXIGENCE has its defect."""

from __future__ import annotations

from dataclasses import replace

import pytest

from conformance.model import Level
from conformance.requirements import load_catalog
from conformance.socles.eprescription import SOCLE
from conformance.socles.eprescription.reference.defects import DEFECTS
from conformance.socles.eprescription.reference.switches import BundleFlaw, FlowFlaw, PrintFlaw, ShareFlaw, Switches

CATALOG = load_catalog(SOCLE.catalog)


def test_defect_catalogue() -> None:
    ep = DEFECTS
    assert len(ep) >= 20 and len({d.name for d in ep}) == len(ep)
    for d in ep:
        req = CATALOG.requirements[d.requirement]
        # a cross-socle defect (sharing the ordonnance) breaks the PRECONISATION EP-23 and needs the other socle
        assert req.checked and (req.level is Level.EXIGENCE or (d.requirement == "EP-23" and d.needs)), d.name
        assert d.socle == "eprescription" and d.description, d.name
        assert Switches.of(d) != Switches(), d.name  # one switch of the e-prescription part, nothing else


def test_every_checked_exigence_has_its_defect() -> None:
    """Sensitivity (DESIGN.md). A "harness" requirement (GEN-02: the rule set and packages the harness
    validates with, and their versions in the output) is about the harness itself: no DUI can break it."""
    wanted = {
        r.id for r in CATALOG.requirements.values() if r.checked and r.level is Level.EXIGENCE and r.kind != "harness"
    }
    assert wanted == {d.requirement for d in DEFECTS} - {"EP-23"}
    assert {r.id for r in CATALOG.requirements.values() if r.kind == "harness" and r.checked} == {"GEN-02"}


def test_every_switch_the_part_reads_belongs_to_a_row() -> None:
    """No switch outside the table, and no switch shared by two defects."""
    switches = [d.switch for d in DEFECTS]
    assert len(switches) == len(set(switches))
    assert set(switches) == {*BundleFlaw, *PrintFlaw, *FlowFlaw, *ShareFlaw}


def test_reference_has_no_switch_and_foreign_switches_fail() -> None:
    assert Switches.of(None) == Switches()
    with pytest.raises(TypeError):
        Switches.of(replace(DEFECTS[0], switch="no-such-switch"))
