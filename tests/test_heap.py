"""`conformance.heap`: a harness process freezes what it loaded (once its session has collected) and what it
holds at exit; a process that is not the harness's own (it never asked for the exit freeze) is left alone."""

from __future__ import annotations

import subprocess
import sys

AT_EXIT = """
import atexit, gc, sys
atexit.register(lambda: sys.stdout.write(f"frozen at exit: {gc.get_freeze_count() > 0}\\n"))  # runs last
from conformance.heap import freeze_at_exit
freeze_at_exit(); freeze_at_exit()
sys.stdout.write(f"frozen before: {gc.get_freeze_count() > 0}\\n")
"""

LOADED = """
import gc, sys
from conformance import heap
heap.freeze_loaded()
sys.stdout.write(f"{gc.get_freeze_count() > 0}\\n")  # not ours yet: nothing frozen
heap.freeze_at_exit()
heap.freeze_loaded()
sys.stdout.write(f"{gc.get_freeze_count() > 0} {gc.get_threshold()[0] == heap.YOUNG}\\n")
"""


def run(code: str) -> list[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    ).stdout.splitlines()


def test_the_heap_is_frozen_at_exit_only() -> None:
    assert run(AT_EXIT) == ["frozen before: False", "frozen at exit: True"]


def test_what_was_loaded_is_frozen_in_the_harness_own_processes_only() -> None:
    assert run(LOADED) == ["False", "True True"]
