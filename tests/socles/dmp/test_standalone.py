"""`conformance serve --socle dmp`: the mock DMP alone prints what a DUI needs, answers, and keeps the
evidence of every exchange after it stops."""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path

from conformance import identities
from conformance.engine.evidence import read_journal
from conformance.socles.dmp.reference.client import DmpConfig, DmpTls, exchange
from conformance.socles.dmp.service.standalone import run_standalone


def test_standalone_dmp_serves_and_records(tmp_path: Path) -> None:
    lines: list[str] = []
    stop = threading.Event()
    worker = threading.Thread(
        target=run_standalone, args=(tmp_path,), kwargs={"stop_event": stop, "echo": lines.append}, daemon=True
    )
    worker.start()
    for _ in range(200):
        if lines:
            break
        time.sleep(0.05)
    assert lines, "the standalone DMP printed nothing"
    text = lines[0]
    urls = dict(re.findall(r"(ITI-41 feed|ITI-18 query|ITI-43 retrieve|TD0\.2 \(stand-in\)):\s+(\S+)", text))
    files = dict(re.findall(r"(CA bundle|client cert|client key|signing cert|signing key):\s+(\S+)", text))
    assert len(urls) == 4 and len(files) == 5, text
    cfg = DmpConfig(
        urls["ITI-41 feed"],
        Path(files["CA bundle"]),
        None,
        Path(files["client cert"]),
        Path(files["client key"]),
        Path(files["signing cert"]),
        Path(files["signing key"]),
        td02_url=urls["TD0.2 (stand-in)"].split("?")[0],
    )
    p = identities.patient("resident-qualified")
    status, _, body = exchange(
        cfg, "GET", f"{cfg.td02_url}?identifier=urn:oid:{p['ins_oid']}|{p['ins']}", None, {}, DmpTls()
    )
    assert status == 200 and json.loads(body)["total"] == 1
    stop.set()
    worker.join(10)
    assert not worker.is_alive()
    entries = read_journal(tmp_path / "evidence")
    assert [e["meta"].get("transaction") for e in entries if e["kind"] == "dmp-request"] == ["TD0.2"]
    assert (tmp_path / "evidence" / "index.json").is_file()
