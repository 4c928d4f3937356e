"""A harness process ends without walking its heap.

A process that has run the scenarios holds a large heap (parsed documents, FHIR models, the imported
libraries); at exit, CPython's last garbage collection and module teardown walked all of it, 0.3 s per
process: a parallel run waited that long for each worker to go, and the tests pay it in every `conformance`
they start. `gc.freeze()` from an exit handler moves what is alive to the permanent generation, which that
last collection skips. Only our own processes ask for it (the `conformance` command, a parallel run's
workers): every file the harness writes is closed before (journal, logs, results), and standard output is
flushed by the interpreter whatever the collector does.
"""

from __future__ import annotations

import atexit
import gc

_asked = False


def freeze_at_exit() -> None:
    global _asked
    if not _asked:
        atexit.register(gc.freeze)
        _asked = True
