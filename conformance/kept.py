"""A small bounded map of things made once and kept while they are used (least recently used dropped first).

`functools.lru_cache` keys on a function's arguments; here the caller names the key (a digest, the identity
of the files a TLS context read) and says how to make the value, so one kept value can be reached from
several places. Thread-safe: checks run in the mock services' threads. A value is made outside the lock (two
threads may both make it; the first kept wins) and a `make` that raises keeps nothing.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Kept(Generic[V]):
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._items: OrderedDict[Hashable, V] = OrderedDict()

    def get(self, key: Hashable, make: Callable[[], V]) -> V:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()
        with self._lock:
            value = self._items.setdefault(key, value)
            self._items.move_to_end(key)
            while len(self._items) > self.limit:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
