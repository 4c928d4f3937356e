"""The Twisted reactor, run once per process in a daemon thread.

A Twisted reactor cannot be restarted, so it is started lazily the first time a service needs it
and left running; listeners come and go through `call` (blockingCallFromThread). Signal handlers
are never installed: pytest and the CLI own the main thread. If something else in the process
already runs the reactor, it is reused as is.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_lock = threading.Lock()
_thread: threading.Thread | None = None


def reactor() -> Any:
    """The global reactor, running."""
    global _thread
    from twisted.internet import reactor as installed

    _reactor: Any = installed

    with _lock:
        if _reactor.running or (_thread is not None and _thread.is_alive()):
            return _reactor
        started = threading.Event()
        _reactor.callWhenRunning(started.set)
        _thread = threading.Thread(
            target=_reactor.run,
            kwargs={"installSignalHandlers": False},
            name="twisted-reactor",
            daemon=True,
        )
        _thread.start()
        if not started.wait(timeout=10):
            raise RuntimeError("the Twisted reactor did not start")
        return _reactor


def in_reactor_thread() -> bool:
    from twisted.python import threadable

    return bool(threadable.isInIOThread())


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run `fn` in the reactor thread and return its result (waiting on a Deferred if it returns one)."""
    from twisted.internet.threads import blockingCallFromThread

    r = reactor()
    if in_reactor_thread():
        return fn(*args, **kwargs)
    return blockingCallFromThread(r, fn, *args, **kwargs)
