"""`conformance serve`: the socles' standalone mock services (`Socle.services`), one or several at once.

Each `Service.run(out_dir, host, ports, stop_event, echo)` prints its banner and serves until the stop
event. One service runs in the calling thread (Ctrl-C stops it, as it always did); several run in
threads, each in its own sub-folder of the output folder, until Ctrl-C or until one of them ends.

A timed wait, not a bare `Event.wait()`, keeps Ctrl-C responsive on every platform (an untimed
wait blocks the signal on Windows).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from conformance.engine.evidence import EvidenceJournal
from conformance.engine.options import OptionError
from conformance.formats.pki import TestPKI
from conformance.socle import Service, resolve

Echo = Callable[[str], None]


def wait_until_stopped(stop: threading.Event, echo: Echo) -> None:
    try:
        while not stop.wait(timeout=1.0):
            pass
    except KeyboardInterrupt:
        echo("stopping")


@contextmanager
def recording(out_dir: Path) -> Iterator[tuple[TestPKI, EvidenceJournal]]:
    """The test PKI (`out_dir/pki`) and evidence journal (`out_dir/evidence`) of a standalone service.

    The journal is closed (its index written) on the way out, however the service stops.
    """
    pki = TestPKI.load_or_create(Path(out_dir) / "pki")
    journal = EvidenceJournal(Path(out_dir) / "evidence")
    try:
        yield pki, journal
    finally:
        journal.close()


@dataclass(frozen=True)
class Planned:
    """One service to start: where it writes and on which ports (0: any free port)."""

    service: Service
    out_dir: Path
    ports: Mapping[str, int]


def assign_ports(services: Sequence[Service], given: Iterable[str]) -> dict[str, dict[str, int]]:
    """`--port NAME=N` values -> the ports of each service (by service name), the defaults elsewhere.

    NAME is a port name of one of the services (`smtp`), or `SERVICE.PORT` when two services share
    a port name; a bare `N` is accepted when the services have a single port between them.
    """
    ports = {s.name: dict(s.ports) for s in services}
    known = [(s.name, p) for s in services for p in s.ports]
    for raw in given:
        name, sep, number = raw.rpartition("=")
        if not sep and len(known) == 1:
            name = known[0][1]
        try:
            value = int(number)
        except ValueError:
            raise OptionError(f"--port {raw}: expected NAME=NUMBER") from None
        if not 0 <= value <= 65535:
            raise OptionError(f"--port {raw}: {value} is not a port number")
        service, _, port = name.rpartition(".")
        matches = [(s, p) for s, p in known if p == port and (not service or s == service)]
        if len(matches) != 1:
            names = ", ".join(f"{s}.{p}" for s, p in known) or "none"
            why = "is ambiguous" if matches else "is not a port of these services"
            raise OptionError(f"--port {raw}: {f'{name} {why}' if name else 'which port? NAME=N'} (ports: {names})")
        ports[matches[0][0]][matches[0][1]] = value
    return ports


def plan(services: Sequence[Service], out: Path, given_ports: Iterable[str]) -> list[Planned]:
    """One service writes to `out`; several write to `out/<service name>` (two journals never share a folder)."""
    ports = assign_ports(services, given_ports)
    alone = len(services) == 1
    return [Planned(s, out if alone else out / s.name, ports[s.name]) for s in services]


def serve(planned: Sequence[Planned], host: str, echo: Echo, stop: threading.Event | None = None) -> None:
    """Run the planned services until Ctrl-C or `stop`; the first error of any of them is raised."""
    stop = stop or threading.Event()
    runs = [(p, resolve(p.service.run)) for p in planned]
    if len(runs) == 1:
        p, run = runs[0]
        run(p.out_dir, host, dict(p.ports), stop, echo)
        return
    errors: list[BaseException] = []

    def guarded(p: Planned, run: Callable[..., None]) -> None:
        try:
            run(p.out_dir, host, dict(p.ports), stop, echo)
        except BaseException as exc:  # raised again by the calling thread
            errors.append(exc)
        finally:
            stop.set()  # a service that ends (or fails) stops the others

    threads = [threading.Thread(target=guarded, args=r, name=f"serve-{r[0].service.name}", daemon=True) for r in runs]
    for t in threads:
        t.start()
    wait_until_stopped(stop, echo)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    if errors:
        raise errors[0]
