"""The harness's indented JSON: the standard library's text, written faster (no requirement: file format)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from conformance.jsontext import compact, pretty

VALUES = [
    {},
    [],
    {"a": [], "b": {}, "c": [1, 2, {"d": None}], "é": 'àç€ \u2028 \x01 \t " \\ /'},
    {"z": 1, "a": True, "m": False, "n": -12, "f": 1.5, "g": 0.1, "big": 2**62},
    [[[[{"deep": "x"}]]]],
    "plain",
    3,
]


@pytest.mark.parametrize("value", VALUES)
def test_the_text_is_the_standard_librarys(value: object) -> None:
    assert pretty(value) == json.dumps(value, ensure_ascii=False, indent=2).encode("utf-8")
    assert pretty(value, sort_keys=True) == json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True).encode()
    assert compact(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass
class Point:
    x: int


def test_dates_and_dataclasses_go_to_default_as_with_the_standard_library() -> None:
    value = {"at": datetime(2026, 12, 5, 10, 0, tzinfo=UTC), "p": Point(1)}
    assert pretty(value, default=str) == json.dumps(value, ensure_ascii=False, indent=2, default=str).encode()
    with pytest.raises(TypeError):
        pretty(value)
    with pytest.raises(TypeError):
        compact(value)


def test_what_orjson_refuses_the_standard_library_writes_or_refuses() -> None:
    huge = {"n": 2**80}
    assert pretty(huge) == json.dumps(huge, indent=2).encode() and compact(huge) == b'{"n":1208925819614629174706176}'
    keyed = {1: "one"}
    assert pretty(keyed) == json.dumps(keyed, indent=2).encode()
    with pytest.raises(TypeError):
        pretty({"x": object()})


def test_loads_reads_what_the_standard_library_reads() -> None:
    from conformance.jsontext import loads

    for value in VALUES:
        text = json.dumps(value, ensure_ascii=False)
        assert loads(text.encode()) == json.loads(text) and loads(text) == json.loads(text)
    assert loads(b'{"n": 1208925819614629174706176, "x": NaN}')["n"] == 2**80  # orjson refuses both
    with pytest.raises(ValueError):
        loads(b"{not json")
