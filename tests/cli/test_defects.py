"""`conformance defects`: every installed socle's seeded defects, read through `conformance.socle`."""

from __future__ import annotations

import json

from conformance.socle import Socle
from tests.cli.conftest import Invoke


def test_defects_json_is_stable(cli: Invoke) -> None:
    result = cli("defects", "--socle", "mssante", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) >= 20 and all({"defect", "requirement", "socle", "description", "needs"} <= set(r) for r in rows)


def test_a_plug_in_socle_lists_its_defects(cli: Invoke, full_toy: Socle) -> None:
    rows = json.loads(cli("defects", "--socle", "toy", "--json").stdout)
    assert rows == [
        {
            "defect": "toy-lower",
            "requirement": "TOY-01",
            "socle": "toy",
            "description": "writes in lower case",
            "needs": [],
        }
    ]
    text = cli("defects", "--socle", "toy").output
    assert "toy-lower" in text and "TOY-01" in text


def test_unknown_socle_is_usage_error(cli: Invoke) -> None:
    assert cli("defects", "--socle", "nope").exit_code == 2
