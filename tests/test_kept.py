"""`conformance.kept.Kept`: made once per key, bounded (least recently used dropped), nothing kept for a failure."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance.kept import Kept


def test_made_once_per_key_and_bounded() -> None:
    made: list[str] = []

    def maker(key: str) -> Callable[[], str]:
        def make() -> str:
            made.append(key)
            return key.upper()

        return make

    kept: Kept[str] = Kept(2)
    assert kept.get("a", maker("a")) == "A"
    assert kept.get("a", maker("a")) == "A"
    kept.get("b", maker("b"))
    kept.get("a", maker("a"))  # "a" used last: "b" is the one dropped next
    kept.get("c", maker("c"))
    kept.get("a", maker("a"))
    kept.get("b", maker("b"))
    assert made == ["a", "b", "c", "b"]


def test_a_failure_keeps_nothing() -> None:
    kept: Kept[int] = Kept(4)
    calls: list[int] = []

    def fail() -> int:
        calls.append(1)
        raise ValueError("unreadable")

    for _ in range(2):
        with pytest.raises(ValueError):
            kept.get("k", fail)
    assert len(calls) == 2
    kept.clear()
    assert kept.get("k", lambda: 7) == 7
