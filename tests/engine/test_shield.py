"""Ctrl-C held while a run folder is completed (`conformance.engine.shield.Hold`); the late Ctrl-C of a parallel run
is in tests/engine/test_parallel.py."""

from __future__ import annotations

import os
import signal

import pytest

from conformance.engine.shield import Hold


def test_ctrl_c_is_noted_not_raised_and_the_handler_comes_back() -> None:
    before = signal.getsignal(signal.SIGINT)
    hold = Hold()
    hold.start()
    try:
        os.kill(os.getpid(), signal.SIGINT)
        hold.start()  # a second start (the first Ctrl-C, then the session's end) holds the same way
        os.kill(os.getpid(), signal.SIGINT)
        assert hold.caught == [signal.SIGINT, signal.SIGINT]
    finally:
        hold.stop()
    assert signal.getsignal(signal.SIGINT) is before
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)


def test_an_ignored_ctrl_c_stays_ignored() -> None:
    """A background job ignores SIGINT: holding it must not start catching it."""
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        hold = Hold()
        hold.start()
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        os.kill(os.getpid(), signal.SIGINT)
        hold.stop()
        assert hold.caught == [] and signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, before)
