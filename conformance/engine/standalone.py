"""`conformance serve`: the socles' standalone mock services (`Socle.services`), one or several at once.

Each `Service.run(out_dir, host, ports, stop_event, echo)` prints its banner and serves until the stop
event. One service runs in the calling thread (Ctrl-C stops it, as it always did); several run in
threads, each in its own sub-folder of the output folder, until Ctrl-C or until one of them ends.
Every service listens on its fixed default ports unless told otherwise, and uses the test PKI of the
runs (`pki_cache_dir()`, `$CONFORMANCE_PKI_DIR`): a DUI configured once from `conformance kit` works
with `serve` and with `conformance run` alike. A live log prints one line per exchange, with the
verdict `conformance validate` gives the DUI's own traffic.

A timed wait, not a bare `Event.wait()`, keeps Ctrl-C responsive on every platform (an untimed
wait blocks the signal on Windows).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from conformance.engine.evidence import EvidenceJournal
from conformance.engine.options import OptionError
from conformance.formats.pki import TestPKI, pki_cache_dir
from conformance.socle import Service, resolve

Echo = Callable[[str], None]
MAX_JUDGED_BYTES = 16 * 1024 * 1024  # larger exchanges are logged without a verdict


def wait_until_stopped(stop: threading.Event, echo: Echo) -> None:
    try:
        while not stop.wait(timeout=1.0):
            pass
    except KeyboardInterrupt:
        echo("stopping")


@contextmanager
def recording(out_dir: Path) -> Iterator[tuple[TestPKI, EvidenceJournal]]:
    """The runs' test PKI (`pki_cache_dir()`) and the evidence journal (`out_dir/evidence`) of a service.

    The journal is closed (its index written) on the way out, however the service stops.
    """
    pki = TestPKI.load_or_create(pki_cache_dir())
    journal = EvidenceJournal(Path(out_dir) / "evidence")
    try:
        yield pki, journal
    finally:
        journal.close()


LOOPBACK = "127.0.0.1"


class Startable(Protocol):
    def start(self) -> Any: ...

    def stop(self) -> Any: ...


@contextmanager
def loopback_recording(out_dir: Path, host: str, what: str) -> Iterator[tuple[TestPKI, EvidenceJournal]]:
    """`recording`, for a service that listens on loopback only: another `host` is refused before anything."""
    if host != LOOPBACK:
        raise OptionError(f"the {what} listens on loopback only ({LOOPBACK})")
    with recording(out_dir) as recorded:
        yield recorded


def serve_until_stopped(
    service: Startable, banner: Callable[[], str], stop_event: threading.Event | None, echo: Echo
) -> None:
    """Start the service, print its banner, serve until Ctrl-C or `stop_event`, stop it whatever happens."""
    try:
        service.start()
        echo(banner())
        wait_until_stopped(stop_event or threading.Event(), echo)
    finally:
        service.stop()


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


class LiveLog(threading.Thread):
    """Follows one service's journal.jsonl and echoes a line per record, judged when it is the DUI's traffic."""

    def __init__(self, planned: Planned, echo: Echo, stop: threading.Event) -> None:
        super().__init__(name=f"live-log-{planned.service.name}", daemon=True)
        self.planned = planned
        self.echo = echo
        self.stop = stop
        self.evidence = planned.out_dir / "evidence"

    def run(self) -> None:
        offset = 0
        while True:
            stopping = self.stop.wait(timeout=0.3)
            offset = self.drain(offset)
            if stopping:
                return

    def drain(self, offset: int) -> int:
        """Echo the complete lines written since `offset`; the offset after them."""
        try:
            with open(self.evidence / "journal.jsonl", "rb") as fh:
                fh.seek(offset)
                chunk = fh.read()
        except OSError:
            return offset
        complete = chunk[: chunk.rfind(b"\n") + 1]
        for raw in complete.splitlines():
            try:
                row = json.loads(raw)
            except ValueError:
                continue
            self.echo(self.line(row))
        return offset + len(complete)

    def line(self, row: dict[str, Any]) -> str:
        try:
            stamp = datetime.fromisoformat(str(row.get("time", "")).replace("Z", "+00:00")).astimezone()
            when = stamp.strftime("%H:%M:%S")
        except ValueError:
            when = "--:--:--"
        kind, name, size = row.get("kind", ""), row.get("path", ""), row.get("size", 0)
        head = f"{when} {self.planned.service.name:<13} {kind:<22} {name} ({size} B)"
        if row.get("kind") not in self.planned.service.judge:
            return head
        return f"{head}  {judged(self.evidence / str(row.get('path', '')))}"


def judged(path: Path) -> str:
    """What `conformance validate` says of one recorded exchange, in a few words."""
    from conformance.engine.validate import validate_path
    from conformance.model import Verdict

    try:
        if path.stat().st_size > MAX_JUDGED_BYTES:
            return "(too large to judge here: conformance validate)"
    except OSError:
        return "(missing)"
    result = validate_path(path)
    if result.kind == "unknown":
        return "(not judged)"
    failing = list(dict.fromkeys(f.requirement for f in result.findings if f.verdict == Verdict.FAIL))
    if failing:
        shown = ", ".join(failing[:6]) + (f" (+{len(failing) - 6})" if len(failing) > 6 else "")
        return f"{result.kind}: FAIL {shown}"
    return f"{result.kind}: {result.verdict.upper()}"


def serve(planned: Sequence[Planned], host: str, echo: Echo, stop: threading.Event | None = None) -> None:
    """Run the planned services until Ctrl-C or `stop`; the first error of any of them is raised."""
    stop = stop or threading.Event()
    logs = [LiveLog(p, echo, stop) for p in planned]
    for log in logs:
        log.start()
    try:
        _serve(planned, host, echo, stop)
    finally:
        stop.set()
        for log in logs:
            log.join(timeout=5)


def _serve(planned: Sequence[Planned], host: str, echo: Echo, stop: threading.Event) -> None:
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
