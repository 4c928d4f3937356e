"""What every command shares: usage failures exit 2, socle names, pure JSON on stdout."""

from __future__ import annotations

import json

import pytest

from conformance.cli.common import UsageFailure, echo_json, socles_from, usage_errors
from conformance.engine.options import OptionError


def test_usage_failure_exits_2() -> None:
    assert UsageFailure("x").exit_code == 2
    with pytest.raises(UsageFailure, match="bad value"), usage_errors():
        raise OptionError("bad value")


def test_socles_from() -> None:
    assert socles_from(["mssante,dmp"]) == ["mssante", "dmp"]
    assert socles_from([], among=["dmp"]) == ["dmp"]
    with pytest.raises(UsageFailure, match="unknown socle 'nope'"):
        socles_from(["nope"])


def test_echo_json_is_one_document(capsys: pytest.CaptureFixture[str]) -> None:
    echo_json([{"a": "é"}])
    assert json.loads(capsys.readouterr().out) == [{"a": "é"}]
