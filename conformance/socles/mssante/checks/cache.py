"""Parse each artifact once: several checks look at the same e-mail, zip or PDF.

A small LRU keyed by (view kind, SHA-256 of the bytes); bounded so that a long run never keeps
more than a handful of parsed messages alive.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from threading import Lock
from typing import Any, TypeVar

T = TypeVar("T")
MAX_ITEMS = 8

_CACHE: OrderedDict[tuple[str, str], Any] = OrderedDict()
_LOCK = Lock()


def cached(kind: str, digest: str, build: Callable[[], T]) -> T:
    key = (kind, digest)
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            value: T = _CACHE[key]
            return value
    value = build()
    with _LOCK:
        _CACHE[key] = value
        while len(_CACHE) > MAX_ITEMS:
            _CACHE.popitem(last=False)
    return value


def clear_cache() -> None:
    with _LOCK:
        _CACHE.clear()
