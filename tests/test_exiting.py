"""`conformance.exiting.freeze_at_exit`: the heap is frozen by an exit handler (so the interpreter's last
collection skips it), once however often it is asked, and nothing before the exit changes."""

from __future__ import annotations

import subprocess
import sys

CHILD = """
import atexit, gc, sys
atexit.register(lambda: sys.stdout.write(f"frozen at exit: {gc.get_freeze_count() > 0}\\n"))  # runs last
from conformance.exiting import freeze_at_exit
freeze_at_exit(); freeze_at_exit()
sys.stdout.write(f"frozen before: {gc.get_freeze_count() > 0}\\n")
"""


def test_the_heap_is_frozen_at_exit_only() -> None:
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=60, check=True).stdout
    assert out.splitlines() == ["frozen before: False", "frozen at exit: True"]
