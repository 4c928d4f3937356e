"""DMP-C09: the DLU (document de liaison d'urgence) header specifics and its six sections."""

from __future__ import annotations

import pytest

from conformance.model import Verdict

from . import helpers as b
from .helpers import fails, run_cda, verdicts
from .test_cda_header import Mutation, _drop, _dup, _set

EVENT = "cda:documentationOf/cda:serviceEvent"
SECTION = "cda:component/cda:structuredBody/cda:component[cda:section/cda:templateId/@root='{}']"


@pytest.mark.requirements("DMP-C09")
def test_good_dlu_passes() -> None:
    found = run_cda(b.to_bytes(b.dlu_root()))
    assert verdicts(found, "DMP-C09") == {Verdict.PASS}
    assert not fails(found)


@pytest.mark.requirements("DMP-C09")
def test_rule_only_applies_to_the_dlu_volet() -> None:
    assert not verdicts(run_cda(b.to_bytes(b.cda_root())), "DMP-C09")
    root = b.dlu_root()
    _set("cda:templateId[@root='1.2.250.1.213.1.1.1.22']", "root", "1.2.250.1.213.1.1.1.23")(root)  # FLUDT
    assert not verdicts(run_cda(b.to_bytes(root)), "DMP-C09")


BAD = [
    ("no-pcp", _set("cda:participant", "typeCode", "IND"), "PCP"),
    ("pcp-function", _set("cda:participant/cda:functionCode", "code", "ATTPHYS"), "PCP"),
    ("event-code", _set(EVENT + "/cda:code", "code", "11450-4"), "34117-2"),
    (
        "event-low-null",
        lambda r: _set(EVENT + "/cda:effectiveTime/cda:low", "nullFlavor", "UNK")(r),
        "nullFlavor",
    ),
    ("birth-time", _drop("cda:recordTarget/cda:patientRole/cda:patient/cda:birthTime"), "birthTime"),
    ("no-treatments", _drop(SECTION.format("1.3.6.1.4.1.19376.1.5.3.1.3.19")), "Traitements"),
    ("no-directives", _drop(SECTION.format("1.3.6.1.4.1.19376.1.5.3.1.3.35")), "Directives anticipées"),
    ("two-annexes", _dup(SECTION.format("1.2.250.1.213.1.1.2.37")), "found 2"),
]


@pytest.mark.requirements("DMP-C09")
@pytest.mark.parametrize("mutate,fragment", [pytest.param(m, f, id=i) for i, m, f in BAD])
def test_dlu_defect_fails(mutate: Mutation, fragment: str) -> None:
    root = b.dlu_root()
    mutate(root)
    failed = fails(run_cda(b.to_bytes(root)), "DMP-C09")
    assert any(fragment in f.message_en for f in failed), [f.message_en for f in failed]
