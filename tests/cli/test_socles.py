"""`conformance socles`: the installed plug-ins, a third party's among them."""

from __future__ import annotations

import json

from conformance.socle import Socle
from tests.cli.conftest import Invoke


def test_socles_lists_the_installed_socles(cli: Invoke) -> None:
    result = cli("socles", "--json")
    assert result.exit_code == 0
    assert {"mssante", "dmp", "eprescription"} <= {r["socle"] for r in json.loads(result.stdout)}


def test_a_plug_in_socle_is_listed(cli: Invoke, toy: Socle) -> None:
    rows = {r["socle"]: r for r in json.loads(cli("socles", "--json").stdout)}
    assert rows["toy"] == {
        "socle": "toy",
        "title_en": "Toy socle",
        "title_fr": "Socle jouet",
        "catalog_version": "1",
        "requirements": 4,
    }
    assert "toy            Toy socle (catalog 1, 4 requirements)" in cli("socles").output
