"""The DMP defects table: tied to checked requirements of the DMP catalog, one switch each, every switch
in the table."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

import pytest

from conformance.requirements import load_catalog
from conformance.socles.dmp import SOCLE
from conformance.socles.dmp.build.cda import CdaFlaws
from conformance.socles.dmp.build.xds import XdsFlaws
from conformance.socles.dmp.reference.client import DmpTls
from conformance.socles.dmp.reference.defects import DEFECTS
from conformance.socles.dmp.reference.switches import NONE, DmpFlaws, Lapse


def _departed(switches: list[Any], reference: Any) -> set[str]:
    """The fields in which some of `switches` depart from `reference`."""
    return {f.name for s in switches for f in fields(s) if getattr(s, f.name) != getattr(reference, f.name)}


def test_dmp_defect_catalogue() -> None:
    """Each DMP defect names a checked requirement of the DMP catalog (an EXIGENCE, or a PRECONISATION
    such as DMP-S02 whose defects show as warnings) and has exactly one switch."""
    cat = load_catalog(SOCLE.catalog)
    assert len(DEFECTS) >= 25
    assert len({d.name for d in DEFECTS}) == len(DEFECTS)
    for d in DEFECTS:
        req = cat[d.requirement]
        assert req.checked and d.socle == "dmp" and d.description, d.name
        assert isinstance(d.switch, DmpFlaws) and d.switch != NONE, d.name
        assert DmpFlaws.of(d) is d.switch


def test_every_switch_the_part_reads_belongs_to_a_row() -> None:
    """No switch outside the table: every lapse, transport flaw and departure of the CDA, the lot and the
    request is some defect's."""
    flaws = [d.switch for d in DEFECTS if isinstance(d.switch, DmpFlaws)]
    assert {f.lapse for f in flaws} - {None} == set(Lapse)
    assert _departed(flaws, NONE) == {f.name for f in fields(DmpFlaws)}
    assert _departed([f.tls for f in flaws], DmpTls()) == {f.name for f in fields(DmpTls)}
    assert _departed([f.cda for f in flaws], CdaFlaws()) == {f.name for f in fields(CdaFlaws)}
    assert _departed([f.xds for f in flaws], XdsFlaws()) == {f.name for f in fields(XdsFlaws)}


def test_reference_has_no_switch_and_foreign_switches_fail() -> None:
    assert DmpFlaws.of(None) == NONE
    with pytest.raises(TypeError):
        DmpFlaws.of(replace(DEFECTS[0], switch="no-such-switch"))
