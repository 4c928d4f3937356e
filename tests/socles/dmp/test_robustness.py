"""No DMP check may crash: remove any single element, or blank any attribute, of a good CDA or lot,
and the checks still answer with findings (at least one failure for most removals)."""

from __future__ import annotations

from copy import deepcopy

import pytest
from lxml import etree

from conformance.model import Verdict

from . import helpers as b
from .helpers import run_cda, run_xds


def _variants(root: etree._Element) -> list[etree._Element]:
    out = []
    originals = [el for el in root.iter() if isinstance(el.tag, str)]
    for i, original in enumerate(originals[1:], start=1):
        removed = deepcopy(root)
        target = [el for el in removed.iter() if isinstance(el.tag, str)][i]
        target.getparent().remove(target)
        out.append(removed)
        for attr in original.attrib:
            blank = deepcopy(root)
            [el for el in blank.iter() if isinstance(el.tag, str)][i].set(attr, "")
            out.append(blank)
    return out


@pytest.mark.requirements("DMP-C02")
def test_cda_checks_never_crash() -> None:
    variants = _variants(b.dlu_root()) + _variants(b.cda_root())
    failing = 0
    for variant in variants:
        findings = run_cda(b.to_bytes(variant))
        assert findings
        failing += any(f.verdict is Verdict.FAIL for f in findings)
    assert failing > len(variants) * 0.6


@pytest.mark.requirements("DMP-X01")
def test_xds_checks_never_crash() -> None:
    root = b.pnr_root()
    for el in root.findall(f"{{{b.XDSB}}}Document"):  # the document parts are tested elsewhere
        el.getparent().remove(el)
    variants = _variants(root)
    failing = 0
    for variant in variants:
        findings = run_xds(b.to_bytes(variant))
        assert findings
        failing += any(f.verdict is Verdict.FAIL for f in findings)
    assert failing > len(variants) * 0.6
