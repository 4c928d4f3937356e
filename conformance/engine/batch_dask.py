"""Beyond one machine: batch validation and run verification on a Dask distributed cluster.

`conformance validate --scheduler tcp://HOST:PORT PATH...` submits the same chunks `--jobs` gives to
local processes to the workers of an existing Dask cluster (`pip install 'dui-conformance[distributed]'`
on the client and on every worker). No queue of our own: Dask schedules, retries lost tasks and
balances; the harness only chunks the files, bounds the work in flight and reads results back in
input order, so the output is the one a local run prints.

What each worker needs, it gets once: a worker plugin applies the option values (a schematron pack,
a FHIR package, a terminology folder: paths as the workers see them) and loads the checks when the
worker joins, so a pack is compiled once per worker and kept. Before any work the client compares
the harness and rule-set versions of every worker with its own and refuses a mixed cluster: verdicts
from another rule set would not be the ones the client's version gives.

Files travel as bytes from the client (no shared storage needed), or, with `shared_files`, as paths
the workers open themselves (the corpus on storage every worker mounts at the same path).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from conformance.engine.batch import WINDOW, BatchSettings, chunks, in_order, prepare, validate_chunk, validate_named

_LOCK = threading.Lock()  # a worker's threads validate one chunk at a time (checks are CPU-bound Python)


def worker_lock() -> threading.Lock:
    """The lock a Dask worker's threads take around any chunk that runs the checks."""
    return _LOCK


class DaskUnavailable(RuntimeError):
    """The cluster cannot be used (extra not installed, scheduler unreachable, workers of another version)."""


def fingerprint() -> dict[str, Any]:
    """What must be equal on the client and on every worker for verdicts to be the same."""
    from conformance import __version__
    from conformance.requirements import catalog_for
    from conformance.socle import installed_socles

    return {
        "harness": __version__,
        "rule_sets": {name: catalog_for(name).version for name in sorted(installed_socles())},
    }


def _setup_plugin(settings: BatchSettings) -> Any:
    from distributed.diagnostics.plugin import WorkerPlugin

    class HarnessSetup(WorkerPlugin):
        """Applies the batch's option values once on each worker (and on each worker that joins later)."""

        name = "dui-conformance-setup"

        def __init__(self, settings: BatchSettings) -> None:
            self.settings = settings

        def setup(self, worker: Any) -> None:
            prepare(self.settings)

    return HarnessSetup(settings)


def connect(address: str, timeout: str = "10s") -> Any:
    """A client of the scheduler at `address`, or DaskUnavailable with what to do."""
    try:
        from distributed import Client
    except ImportError as exc:
        raise DaskUnavailable("--scheduler needs Dask distributed: pip install 'dui-conformance[distributed]'") from exc
    try:
        return Client(address, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise DaskUnavailable(f"--scheduler {address}: cannot reach the Dask scheduler ({exc})") from exc


def check_workers(client: Any) -> int:
    """The number of worker threads; DaskUnavailable if none, or if one runs another harness or rule set."""
    mine = fingerprint()
    theirs = client.run(fingerprint)
    if not theirs:
        raise DaskUnavailable("the Dask cluster has no worker")
    for worker, found in sorted(theirs.items()):
        if found != mine:
            raise DaskUnavailable(f"Dask worker {worker} runs {found}, this client {mine}: install the same version")
    return int(sum(client.nthreads().values()))


def read_shipped(path: Path, max_bytes: int) -> bytes | str:
    """The bytes a worker will validate (at most max_bytes + 1, as validate_path reads), or why not."""
    try:
        with path.open("rb") as fh:
            return fh.read(max_bytes + 1)
    except OSError as exc:
        return str(exc.strerror or exc)


def _validate_paths(paths: list[str]) -> list[dict[str, Any]]:
    with _LOCK:
        return validate_chunk(paths)


def _validate_shipped(items: list[tuple[str, bytes | str]]) -> list[dict[str, Any]]:
    with _LOCK:
        return validate_named(items)


def validate_on_cluster(
    files: Iterable[Path], settings: BatchSettings, address: str, *, shared_files: bool = False
) -> Iterator[dict[str, Any]]:
    """One JSON result per file, in order, validated by the workers of the cluster at `address`."""
    client = connect(address)
    try:
        threads = check_workers(client)
        client.register_plugin(_setup_plugin(settings))
        if shared_files:

            def submit(chunk: list[str]) -> Any:
                return client.submit(_validate_paths, chunk, pure=False)

        else:

            def submit(chunk: list[str]) -> Any:
                items = [(p, read_shipped(Path(p), settings.max_bytes)) for p in chunk]
                return client.submit(_validate_shipped, items, pure=False)

        yield from in_order(submit, chunks(files), max(threads, 1) * WINDOW)
    finally:
        client.close()
