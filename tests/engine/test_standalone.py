"""`conformance serve`'s engine: ports by name, one folder per service, several services until one ends."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from conformance.engine.evidence import read_journal
from conformance.engine.options import OptionError
from conformance.engine.standalone import assign_ports, plan, recording, serve
from conformance.socle import Service

OPERATOR = Service("operator", "mail", "tests.engine.test_standalone:quick", ports={"smtp": 0, "imap": 0})
WEB = Service("web", "web", "tests.engine.test_standalone:quick", ports={"https": 0})
CALLS: list[tuple[Any, ...]] = []


def quick(out_dir: Path, host: str, ports: dict[str, int], stop: threading.Event, echo: Any) -> None:
    CALLS.append((out_dir, host, ports))
    echo(f"{out_dir.name} up")


def waits(out_dir: Path, host: str, ports: dict[str, int], stop: threading.Event, echo: Any) -> None:
    CALLS.append((out_dir, host, ports))
    stop.wait(timeout=30)


def refuses(out_dir: Path, host: str, ports: dict[str, int], stop: threading.Event, echo: Any) -> None:
    raise OptionError(f"no {host}")


def test_ports_by_name() -> None:
    assert assign_ports([OPERATOR, WEB], ["smtp=2525", "web.https=8443"]) == {
        "operator": {"smtp": 2525, "imap": 0},
        "web": {"https": 8443},
    }
    assert assign_ports([WEB], ["8443"]) == {"web": {"https": 8443}}  # one port: its name may be left out


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("pop=1", "pop is not a port of these services"),
        ("smtp=x", "expected NAME=NUMBER"),
        ("smtp=70000", "70000 is not a port number"),
        ("8443", "which port?"),
        ("https=1", "https is ambiguous"),
    ],
)
def test_port_errors(given: str, message: str) -> None:
    web2 = Service("web2", "web", "x:y", ports={"https": 0})
    with pytest.raises(OptionError, match=message.replace("?", r"\?")):
        assign_ports([OPERATOR, WEB, web2], [given])


def test_one_service_writes_to_the_folder_several_to_subfolders(tmp_path: Path) -> None:
    assert [p.out_dir for p in plan([WEB], tmp_path, [])] == [tmp_path]
    assert [p.out_dir for p in plan([OPERATOR, WEB], tmp_path, [])] == [tmp_path / "operator", tmp_path / "web"]


def test_serve_runs_each_planned_service(tmp_path: Path) -> None:
    CALLS.clear()
    lines: list[str] = []
    serve(plan([OPERATOR, WEB], tmp_path, ["imap=1430"]), "127.0.0.1", lines.append)
    assert sorted(CALLS) == [
        (tmp_path / "operator", "127.0.0.1", {"smtp": 0, "imap": 1430}),
        (tmp_path / "web", "127.0.0.1", {"https": 0}),
    ]
    assert sorted(lines) == ["operator up", "web up"]


def test_a_failing_service_stops_the_others_and_its_error_is_raised(tmp_path: Path) -> None:
    CALLS.clear()
    waiting = Service("slow", "slow", "tests.engine.test_standalone:waits")
    failing = Service("bad", "bad", "tests.engine.test_standalone:refuses")
    stop = threading.Event()
    with pytest.raises(OptionError, match="no 0.0.0.0"):
        serve(plan([waiting, failing], tmp_path, []), "0.0.0.0", print, stop)
    assert stop.is_set() and len(CALLS) == 1


def test_recording_closes_the_journal_and_uses_the_runs_pki(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONFORMANCE_PKI_DIR", str(tmp_path / "shared-pki"))
    with recording(tmp_path / "out") as (pki, journal):
        journal.record("text", "hello.txt", b"hello")
        assert pki.directory == tmp_path / "shared-pki"  # the one a kit and `conformance run` use
    assert [row["path"].endswith("hello.txt") for row in read_journal(tmp_path / "out" / "evidence")] == [True]
    assert (tmp_path / "out" / "evidence" / "index.json").is_file()
