"""A third-party client, curl, submits to the mock operator with the settings a DUI receives."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conformance import identities
from conformance.engine.evidence import EvidenceJournal, read_journal
from conformance.formats.pki import TestPKI
from conformance.model import Verdict
from conformance.socles.mssante.service import Operator
from conformance.socles.mssante.service.clients import test_message

from .helpers import run_checks

CURL = shutil.which("curl")
pytestmark = pytest.mark.skipif(CURL is None, reason="curl is not installed")


@pytest.mark.requirements("MSS-TLS-01", "MSS-AUTH-04", "MSS-TLS-05")
def test_curl_submission(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    pki = TestPKI.load_or_create(tmp_path_factory.getbasetemp() / "mss-pki")
    bal = str(identities.dui_bal()["address"])
    doctor = str(identities.professional("doctor")["address"])
    message = tmp_path / "msg.eml"
    data = test_message(bal, [doctor], subject="par curl")
    message.write_bytes(data)
    journal = EvidenceJournal(tmp_path / "evidence")
    with Operator(journal, pki, whitelist=identities.whitelist()) as op:
        s = op.settings()
        command = [
            str(CURL),
            "--silent",
            "--show-error",
            "--ssl-reqd",
            f"smtp://{s['host']}:{s['smtp_port']}",
            "--mail-from",
            bal,
            "--mail-rcpt",
            doctor,
            "--upload-file",
            str(message),
            "--cacert",
            s["ca_bundle"],
            "--crlfile",
            s["crl"],
            "--cert",
            s["client_cert"],
            "--key",
            s["client_key"],
            "--max-time",
            "20",
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
        assert done.returncode == 0, done.stderr
        assert op.wait_idle(timeout=10)
        op.variant = "rogue-ca"  # curl verifies the server against the bundle: it must refuse
        refused = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
        assert refused.returncode != 0
        assert op.wait_idle(timeout=10)
        good, rogue = op.sessions
    journal.close()
    messages = [e for e in read_journal(journal.root) if e["kind"] == "message"]
    assert len(messages) == 1 and (journal.root / messages[0]["path"]).read_bytes() == data
    assert messages[0]["meta"]["rcpts"] == [doctor]
    assert good.auth == {"mechanism": "tls-client-certificate", "identity": bal}
    verdicts = {f.requirement: f.verdict for f in run_checks("smtp-session", good.to_json_bytes(), name=good.id)}
    assert verdicts["MSS-TLS-01"] is Verdict.PASS and verdicts["MSS-AUTH-04"] is Verdict.PASS
    assert rogue.tls_error and "unknown ca" in rogue.tls_error.lower()
