"""What the soak benches share: the service under soak runs in its own process, which reports its RSS.

`served(target)` starts `target(folder, ready, stop, report)` in a spawned process with a temporary
evidence folder: the target puts its hello (ports, settings, RSS at rest) on `ready`, serves until
`stop` is set, then puts what it holds on `report`. Measuring the service apart from the clients keeps
their memory and their interpreter lock out of its figures.
"""

from __future__ import annotations

import multiprocessing as mp
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def rss_mb(pid: str = "self") -> float:
    """Resident memory of a process, in MiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Served:
    hello: Any
    _stop: Any
    _report: Any
    _process: Any

    def finish(self, timeout: float = 120) -> dict[str, Any]:
        """Tell the service to stop and return what it reports holding."""
        self._stop.set()
        held: dict[str, Any] = self._report.get(timeout=timeout)
        self._process.join(timeout=60)
        return held


@contextmanager
def served(target: Callable[[str, Any, Any, Any], None]) -> Iterator[Served]:
    ctx = mp.get_context("spawn")
    ready, report, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
    with tempfile.TemporaryDirectory() as folder:
        process = ctx.Process(target=target, args=(folder, ready, stop, report))
        process.start()
        try:
            yield Served(ready.get(timeout=60), stop, report, process)
        finally:
            if process.is_alive():
                stop.set()
                process.join(timeout=60)
