"""`conformance serve`: every socle's service (e-prescription included), fixed ports, a live log, usage errors."""

from __future__ import annotations

import http.client
import re
import ssl
import threading
import time
from pathlib import Path

import pytest

from conformance.engine.standalone import plan, serve
from conformance.formats.pki import TestPKI, pki_cache_dir
from conformance.socle import Socle, get_socle, installed_socles
from tests.cli.conftest import Invoke


def test_serve_a_plug_in_socle_service(cli: Invoke, full_toy: Socle, tmp_path: Path) -> None:
    result = cli("serve", "--socle", "toy", "--out", tmp_path, "--port", "web=8080", "--host", "127.0.0.2")
    assert result.exit_code == 0, result.output
    assert f"toy service on 127.0.0.2 ports {{'web': 8080}} in {tmp_path}" in result.output


def test_every_socle_has_a_service_on_fixed_ports() -> None:
    ports = {s.name: dict(s.ports) for socle in installed_socles().values() for s in socle.services}
    assert ports == {
        "operator": {"smtp": 10587, "imap": 10143},
        "dmp": {"https": 10443},
        "eprescription": {"https": 10444},
    }


def test_an_unknown_port_name(cli: Invoke, full_toy: Socle) -> None:
    result = cli("serve", "--socle", "toy", "--port", "smtp=25")
    assert result.exit_code == 2 and "smtp is not a port of these services (ports: toy-svc.web)" in result.output


def test_the_mock_dmp_stays_on_loopback(cli: Invoke, tmp_path: Path) -> None:
    result = cli("serve", "--socle", "dmp", "--host", "0.0.0.0", "--out", tmp_path)
    assert result.exit_code == 2 and "loopback only" in result.output


def _https(pki: TestPKI, port: int, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
    ctx = ssl.create_default_context(cafile=str(pki.ca_bundle))
    ctx.load_cert_chain(str(pki.client_cert), str(pki.client_key))
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
    try:
        conn.request(method, path, body=body or None, headers={"Content-Type": "application/fhir+json"})
        answer = conn.getresponse()
        return answer.status, answer.read()
    finally:
        conn.close()


def test_serve_every_service_with_a_live_log(tmp_path: Path) -> None:
    """One host name everywhere, a useful answer to a GET on the ITI-41 URL, one log line per exchange."""
    services = [s for name in ("dmp", "eprescription", "mssante") for s in get_socle(name).services]
    free = [f"{s.name}.{p}=0" for s in services for p in s.ports]
    lines: list[str] = []
    stop = threading.Event()
    worker = threading.Thread(target=serve, args=(plan(services, tmp_path, free), "127.0.0.1", lines.append, stop))
    worker.start()
    try:
        deadline = time.monotonic() + 30
        while sum("Stop with Ctrl-C." in line for line in lines) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        banners = "\n".join(lines)
        assert "localhost" not in banners
        dmp = int(re.search(r"ITI-41 feed: +https://127\.0\.0\.1:(\d+)/", banners).group(1))  # type: ignore[union-attr]
        ep = int(re.search(r"base URL: +https://127\.0\.0\.1:(\d+)/fhir", banners).group(1))  # type: ignore[union-attr]
        pki = TestPKI.load_or_create(pki_cache_dir())
        status, text = _https(pki, dmp, "GET", "/dmp/xdsb/ProvideAndRegisterDocumentSet-b")
        assert status == 405 and b"ITI-41 ProvideAndRegisterDocumentSet-b (POST" in text
        status, _ = _https(pki, ep, "POST", "/fhir/Bundle", b'{"resourceType": "Bundle", "type": "document"}')
        assert status >= 400
        deadline = time.monotonic() + 20
        while not any("fhir-request" in line or " fhir " in line for line in lines) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        worker.join(timeout=30)
    logged = [line for line in lines if re.match(r"\d\d:\d\d:\d\d eprescription +fhir ", line)]
    assert logged and "fhir: FAIL EP-" in logged[0], lines
    assert any(re.match(r"\d\d:\d\d:\d\d eprescription +eprescription-exchange ", line) for line in lines)


@pytest.mark.parametrize("socle", ["mssante", "dmp", "eprescription"])
def test_each_service_describes_its_settings(socle: str) -> None:
    from conformance.socle import resolve

    files = TestPKI.load_or_create(pki_cache_dir()).describe()
    for service in get_socle(socle).services:
        settings = resolve(service.describe)("127.0.0.1", dict(service.ports), files)
        assert settings["ca_bundle"] == files["ca_bundle"] and settings["patients"]
