"""Parse each artifact once: several checks look at the same e-mail, zip or PDF.

A small LRU keyed by (view kind, SHA-256 of the bytes); bounded so that a long run never keeps
more than a handful of parsed messages alive.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from conformance.kept import Kept

T = TypeVar("T")
MAX_ITEMS = 8

_KEPT: Kept[Any] = Kept(MAX_ITEMS)


def cached(kind: str, digest: str, build: Callable[[], T]) -> T:
    value: T = _KEPT.get((kind, digest), build)
    return value


def clear_cache() -> None:
    _KEPT.clear()
