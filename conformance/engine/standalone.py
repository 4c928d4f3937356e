"""What every `conformance serve` service shares: serve until Ctrl-C or a stop event.

A timed wait, not a bare `Event.wait()`, keeps Ctrl-C responsive on every platform (an untimed
wait blocks the signal on Windows).
"""

from __future__ import annotations

import threading
from collections.abc import Callable


def wait_until_stopped(stop: threading.Event, echo: Callable[[str], None]) -> None:
    try:
        while not stop.wait(timeout=1.0):
            pass
    except KeyboardInterrupt:
        echo("stopping")
