"""Ctrl-C held back while a run folder is being completed.

A run's last step (pytest-xdist stopping its workers, the merge of their folders, results.json, the
certificate) takes about a second, and every scenario has ended or stopped by then: a Ctrl-C arriving in it
used to abort it half-way, leaving a run folder with no scenario in results.json and no certificate while the
workers' folders held every verdict. From the first Ctrl-C (which stops the scenarios) or from the start of
that last step, further ones are noted and the folder is finished; the run ends as what it is (complete when
every scenario had ended, interrupted when a Ctrl-C stopped them).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from typing import Any

import pytest


class Hold:
    """SIGINT noted (`caught`) rather than raised between `start()` and `stop()`; a no-op outside the main
    thread or when SIGINT is ignored (a background job)."""

    def __init__(self) -> None:
        self.caught: list[int] = []
        self._previous: Any = None
        self._holding = False

    def start(self) -> None:
        if self._holding or threading.current_thread() is not threading.main_thread():
            return
        previous = signal.getsignal(signal.SIGINT)
        if previous is signal.SIG_IGN:
            return
        self._previous = previous
        signal.signal(signal.SIGINT, lambda signum, frame: self.caught.append(signum))
        self._holding = True

    def stop(self) -> None:
        if self._holding:
            signal.signal(signal.SIGINT, self._previous)
            self._holding = False


class HoldCtrlC:
    """The pytest plug-in of a run: holds Ctrl-C from the first one pytest reports and over every
    `pytest_sessionfinish` implementation (xdist's, which stops the workers; the run session's, which merges
    and certifies)."""

    def __init__(self) -> None:
        self.hold = Hold()

    def pytest_keyboard_interrupt(self) -> None:
        self.hold.start()  # an impatient second Ctrl-C must not abort what the first one left to finish

    @pytest.hookimpl(hookwrapper=True, tryfirst=True)
    def pytest_sessionfinish(self) -> Iterator[None]:
        self.hold.start()
        try:
            yield
        finally:
            self.hold.stop()
