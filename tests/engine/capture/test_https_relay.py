"""The recording HTTPS relay: two TLS sessions, bytes untouched, and a platform that misbehaves named as such."""

from __future__ import annotations

import http.client
import ssl
from collections.abc import Iterator

import pytest

from conformance.engine.capture.https import HttpsRelay, Relayed
from conformance.engine.capture.profile import Upstream, cert_sha256
from conformance.formats.pki import TestPKI, pki_cache_dir
from tests.engine.capture.helpers import Misbehaving, platform_pki


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    return platform_pki(tmp_path_factory.mktemp("platform-pki"))


def upstream(pki: TestPKI, port: int) -> Upstream:
    return Upstream(
        "dmp", "https", "https", "127.0.0.1", port, "implicit", pki.ca_bundle, "localhost", "/base",
        client_cert=pki.client_cert, client_key=pki.client_key,
    )  # fmt: skip


@pytest.fixture
def relayed(pki: TestPKI, request: pytest.FixtureRequest) -> Iterator[tuple[HttpsRelay, Misbehaving, list[Relayed]]]:
    seen: list[Relayed] = []
    with Misbehaving(pki, request.param) as server:
        relay = HttpsRelay(upstream(pki, server.port), TestPKI.load_or_create(pki_cache_dir()), seen.append, timeout=5)
        relay.start()
        try:
            yield relay, server, seen
        finally:
            relay.stop()


def dui_post(relay: HttpsRelay, body: bytes, *, cert: bool = True) -> tuple[int, dict[str, str], bytes]:
    """What a DUI does: trusts the harness's CA only, presents its own certificate."""
    harness = TestPKI.load_or_create(pki_cache_dir())
    ctx = ssl.create_default_context(cafile=str(harness.ca_bundle))
    if cert:
        ctx.load_cert_chain(str(harness.client_cert), str(harness.client_key))
    conn = http.client.HTTPSConnection("localhost", relay.port, context=ctx, timeout=10)
    try:
        conn.request("POST", "/thing?x=1", body=body, headers={"Content-Type": "application/octet-stream"})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


BODY = bytes(range(256)) * 40 + b"\r\n.\r\n--boundary--\r\n"  # every byte value, CRLFs, no text encoding


@pytest.mark.parametrize("relayed", ["ok"], indirect=True)
def test_bytes_pass_untouched_on_two_tls_sessions(
    relayed: tuple[HttpsRelay, Misbehaving, list[Relayed]], pki: TestPKI
) -> None:
    relay, server, seen = relayed
    status, headers, body = dui_post(relay, BODY)
    assert status == 201 and body == BODY and server.received == [BODY]
    assert headers["location"] == f"{relay.origin}/thing/1"  # the platform's Location points back at the relay
    (ex,) = seen
    harness = TestPKI.load_or_create(pki_cache_dir())
    assert ex.request == BODY and ex.response == BODY and ex.target == "/thing?x=1" and not ex.error
    assert ex.upstream_cert_sha256 == cert_sha256(pki.certificate("server_cert"))
    assert ex.relay_cert_sha256 == cert_sha256(pki.certificate("client_cert"))
    dui_cert = ssl.PEM_cert_to_DER_cert(
        harness.client_cert.read_text().split("-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n"
    )
    assert ex.client_cert == dui_cert  # the DUI's own certificate on its leg, not the vendor's on the other
    assert ex.meta()["upstream"] == f"https://127.0.0.1:{server.port}/base"


@pytest.mark.parametrize("relayed", ["ok"], indirect=True)
def test_the_dui_must_present_its_certificate(relayed: tuple[HttpsRelay, Misbehaving, list[Relayed]]) -> None:
    relay, server, seen = relayed
    with pytest.raises((ssl.SSLError, ConnectionError, http.client.HTTPException, OSError)):
        dui_post(relay, b"x", cert=False)
    assert not server.received and not seen


@pytest.mark.parametrize(
    ("relayed", "why"),
    [
        ("garbage", "answer is not HTTP"),
        ("cut", "closed in the middle of the answer"),
        ("close", "closed before any answer"),
    ],
    indirect=["relayed"],
)
def test_a_misbehaving_platform_is_named_and_the_exchange_kept(
    relayed: tuple[HttpsRelay, Misbehaving, list[Relayed]], why: str
) -> None:
    relay, server, seen = relayed
    status, _, body = dui_post(relay, BODY)
    assert status == 502 and f"the platform https://127.0.0.1:{server.port}/base failed" in body.decode()
    (ex,) = seen
    assert why in ex.error and ex.request == BODY and server.received == [BODY]
