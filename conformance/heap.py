"""What the garbage collector walks in a harness process: neither the heap it loaded, nor the heap it leaves.

A run's process imports the harness, its checks, the suites and their libraries (pydantic's FHIR models,
Twisted, fontTools: 150,000 to 200,000 objects in a worker of a parallel run), then runs the scenarios. Each
full collection walked all of it again: three or four per process and run, 85 to 160 ms together, and the
interpreter's last collection at exit walked it once more (0.3 s per process; a parallel run waited that long
for each worker to go). `freeze_loaded` moves what the loaded harness holds to the permanent generation once
the session has collected its scenarios: they live as long as the process, and the collector skips them.
`freeze_at_exit` does the same from an exit handler, before the interpreter's own last collection.
`freeze_loaded` also makes the young collections rarer (see there).

Only our own processes ask for it (the `conformance` command, a parallel run's workers): a run started
in-process by another program (the test suite's) leaves that program's collector alone. Every file the
harness writes is closed before exit (journal, logs, results), and standard output is flushed by the
interpreter whatever the collector does.
"""

from __future__ import annotations

import atexit
import gc

_ours = False  # this process is a harness process (freeze_at_exit was asked)


def freeze_at_exit() -> None:
    global _ours
    if not _ours:
        atexit.register(gc.freeze)
        _ours = True


YOUNG = 10_000  # allocations between two collections of the youngest generation (CPython's default: 700)


def freeze_loaded() -> None:
    """Once a run's session has loaded what it runs (called after collection): nothing in a process that is
    not the harness's own.

    The youngest generation is then collected every `YOUNG` allocations: a scenario allocates in bursts (a
    parsed message, a PDF, a FHIR Bundle's models) that reference counting mostly frees, and the default made
    about 380 young collections per worker and run (70 ms, down to 50 ms with fewer, larger ones); the older
    generations keep CPython's thresholds."""
    if _ours:
        gc.freeze()
        _, middle, old = gc.get_threshold()
        gc.set_threshold(YOUNG, middle, old)
