"""Acceptance: the Java bridge (JDK only) passes the MSSanté socle through the HTTP driver protocol.

It proves the protocol is language-neutral: the Java program builds its own CDA, PDF/A copy, IHE_XDM
archive and MIME messages, speaks SMTP and IMAP with STARTTLS and mutual TLS (JDK PKIX with the CRLs),
integrates what it receives and correlates receipts; the harness only drives it over HTTP. Skips
without a JDK.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.examples.helpers import BIN, compile_java_bridge, java_bridge


@pytest.fixture(scope="module")
def classes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("java-bridge-classes")
    compile_java_bridge(out)
    return out


def test_the_java_bridge_passes_the_mssante_socle(classes: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    with java_bridge(classes) as url:
        done = subprocess.run(
            [str(BIN / "pytest"), "--socle=mssante", f"--dui={url}", f"--out={out}", "-p", "no:cacheprovider", "-q"],
            cwd=tmp_path,  # an empty folder, as in a vendor's CI
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    assert done.returncode == 0, done.stdout[-4000:]
    results = json.loads((out / "results.json").read_text())
    mssante = results["socles"]["mssante"]
    assert mssante["verdict"] == "pass" and results["driver"] == url
    assert {s["outcome"] for s in mssante["scenarios"]} == {"passed"} and len(mssante["scenarios"]) >= 37


def test_the_java_bridge_speaks_the_protocol(classes: Path) -> None:
    """The handshake, an unknown verb, a verb before configure, a malformed body: clear JSON answers."""
    import urllib.error
    import urllib.request

    def post(url: str, body: bytes) -> tuple[int, dict[str, object]]:
        request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    with java_bridge(classes) as url:
        assert post(url + "/configure", b'{"harness": {"socles": ["mssante"]}}') == (200, {"status": "ok"})
        assert post(url + "/act", b'{"verb": "dmp.feed", "params": {}}')[1]["detail"] == "unsupported verb"
        status, answer = post(url + "/act", b'{"verb": "mssante.receive", "params": {}}')
        assert status == 200 and answer["status"] == "error" and "pas configuré" in str(answer["detail"])
        status, answer = post(url + "/act", b'{"verb": ')
        assert status == 400 and answer["status"] == "error"
