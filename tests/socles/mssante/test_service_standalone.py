"""`conformance serve --socle mssante`: the operator on its own, stopped by an event."""

from __future__ import annotations

import re
import shutil
import threading
from pathlib import Path

import pytest

from conformance import identities
from conformance.engine.evidence import read_journal
from conformance.formats.pki import TestPKI
from conformance.socles.mssante.service.clients import submit, test_message
from conformance.socles.mssante.service.standalone import run_standalone


def test_run_standalone(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = TestPKI.load_or_create(tmp_path_factory.getbasetemp() / "mss-pki")
    shutil.copytree(shared.directory, tmp_path / "pki")  # reused as is: no key generation here
    monkeypatch.setenv("CONFORMANCE_PKI_DIR", str(tmp_path / "pki"))  # the runs' PKI, which serve shares
    lines: list[str] = []
    started = threading.Event()
    stop = threading.Event()

    def echo(text: str) -> None:
        lines.append(text)
        started.set()

    thread = threading.Thread(
        target=run_standalone,
        args=(tmp_path,),
        kwargs={"stop_event": stop, "echo": echo, "ports": {"smtp": 0, "imap": 0}},
        daemon=True,
    )
    thread.start()
    try:
        assert started.wait(timeout=30)
        text = "\n".join(lines)
        smtp = re.search(r"SMTP submission \(STARTTLS\): 127\.0\.0\.1:(\d+)", text)
        assert smtp and re.search(r"IMAP \(STARTTLS\): +127\.0\.0\.1:\d+", text)
        assert "curl --ssl-reqd smtp://127.0.0.1:" in text and str(tmp_path / "pki" / "ca_bundle.pem") in text
        pki = TestPKI.load_or_create(tmp_path / "pki")
        bal = str(identities.dui_bal()["address"])
        doctor = str(identities.professional("doctor")["address"])
        assert submit("127.0.0.1", int(smtp.group(1)), pki, bal, [doctor], test_message(bal, [doctor])) == {}
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert (tmp_path / "evidence" / "index.json").is_file()
    assert "message" in [e["kind"] for e in read_journal(tmp_path / "evidence")]
