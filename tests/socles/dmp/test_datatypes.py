"""HL7 data types read by the DMP rules: CDA TS, XDS DTM, XCN, XON."""

from __future__ import annotations

import pytest

from conformance.socles.dmp.checks.datatypes import (
    XSD_TS,
    dtm_problem,
    parse_ts,
    same_instant,
    xcn_problem,
    xon_problem,
)


@pytest.mark.requirements("DMP-C02", "DMP-C06")
@pytest.mark.parametrize(
    "value,utc",
    [
        ("20261123101500+0100", "20261123091500"),
        ("20261231233000-0230", "20270101020000"),
        ("202611231015+0000", "202611231015"),
        ("20261123", "20261123"),
        ("20261123101500", None),  # a time without offset cannot be put in UTC
    ],
)
def test_ts_to_utc(value: str, utc: str | None) -> None:
    ts, problem = parse_ts(value)
    assert ts is not None and problem is None
    assert ts.utc_digits() == utc


@pytest.mark.requirements("DMP-C02")
@pytest.mark.parametrize("value", ["2026112", "20261131", "20261123256000", "20261123+2500", "", "x"])
def test_bad_ts(value: str) -> None:
    assert parse_ts(value)[0] is None


@pytest.mark.requirements("DMP-C06")
def test_same_instant_compares_at_the_shared_precision() -> None:
    ts, _ = parse_ts("20261123101500+0100")
    assert ts is not None
    assert same_instant("20261123091500", ts) and same_instant("20261123", ts)
    assert not same_instant("20261123101500", ts)


@pytest.mark.requirements("DMP-X01", "DMP-X03")
def test_dtm() -> None:
    assert dtm_problem("20261123091500") is None and dtm_problem("20261123") is None
    assert dtm_problem("2026-11-23") and dtm_problem("202611") and dtm_problem("20261123091500+0100")


def test_xsd_ts_pattern_accepts_what_the_cda_schema_accepts() -> None:
    assert XSD_TS.match("20240106113623+100")  # schema-valid, though not ±HHMM
    assert not XSD_TS.match("2024-01-06")


@pytest.mark.requirements("DMP-X10")
def test_xcn_and_xon() -> None:
    assert xcn_problem("00B2800585^OPTOLUNE0058^SEBASTIEN^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS") is None
    assert xcn_problem("3750100125/88^DUI^^^^^^^&1.2.250.1.71.4.2.1&ISO^U^^^RI") is None
    assert xcn_problem("^NOM^Prenom^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS")
    assert xon_problem("EHPAD^^^^^&1.2.250.1.71.4.2.2&ISO^IDNST^^^1750803447") is None
    assert xon_problem("^^^^^&1.2.250.1.71.4.2.2&ISO^IDNST^^^1750803447")
