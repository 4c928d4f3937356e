"""Ctrl-C held while a run folder is completed (`conformance.engine.shield`); the late Ctrl-C of a parallel run
is in tests/engine/test_parallel.py."""

from __future__ import annotations

import os
import signal

import pytest

from conformance.engine.shield import ctrl_c_held


def test_ctrl_c_is_noted_not_raised_and_the_handler_comes_back() -> None:
    before = signal.getsignal(signal.SIGINT)
    with ctrl_c_held() as caught:
        os.kill(os.getpid(), signal.SIGINT)
        assert caught == [signal.SIGINT]
    assert signal.getsignal(signal.SIGINT) is before
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)


def test_an_ignored_ctrl_c_stays_ignored() -> None:
    """A background job ignores SIGINT: holding it must not start catching it."""
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with ctrl_c_held() as caught:
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
            os.kill(os.getpid(), signal.SIGINT)
        assert caught == [] and signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, before)
