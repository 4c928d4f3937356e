"""One TLS policy: every port of every mock service offers exactly what formats/tls.py declares.

Each port is probed the way testssl does it: one handshake per protocol version, then one per
TLS 1.2 suite this OpenSSL knows (weakest included), and the lists must be the same on every port:
TLS 1.2 and 1.3 only, TLS 1.2 suites forward-secret AEAD only (no CBC, no static RSA).
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conformance import identities
from conformance.engine.evidence import EvidenceJournal
from conformance.formats import tls
from conformance.formats.pki import TestPKI, pki_cache_dir
from conformance.socles.dmp.service.app import DmpService
from conformance.socles.eprescription.service import PrescriptionService
from conformance.socles.mssante.service import Operator


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return TestPKI.load_or_create(pki_cache_dir())


@pytest.fixture(scope="module")
def ports(pki: TestPKI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Callable[[], socket.socket]]]:
    journal = EvidenceJournal(Path(tmp_path_factory.mktemp("tls-evidence")))
    op = Operator(journal, pki, whitelist=identities.whitelist()).start()
    dmp = DmpService(journal, pki)
    dmp.start()
    ep = PrescriptionService(journal, pki)
    ep.start()

    def plain(port: int) -> Callable[[], socket.socket]:
        return lambda: socket.create_connection(("127.0.0.1", port), timeout=5)

    def smtp() -> socket.socket:
        s = socket.create_connection((op.host, op.smtp_port), timeout=5)
        f = s.makefile("rb")
        f.readline()
        s.sendall(b"EHLO probe\r\n")
        while f.readline()[3:4] == b"-":
            pass
        s.sendall(b"STARTTLS\r\n")
        assert f.readline().startswith(b"220")
        return s

    def imap() -> socket.socket:
        s = socket.create_connection((op.host, op.imap_port), timeout=5)
        f = s.makefile("rb")
        f.readline()
        s.sendall(b"a STARTTLS\r\n")
        assert f.readline().startswith(b"a OK")
        return s

    try:
        yield {"smtp": smtp, "imap": imap, "dmp": plain(dmp.port), "eprescription": plain(ep.port)}
    finally:
        ep.stop()
        dmp.stop()
        op.stop()
        journal.close()


def test_every_port_offers_the_one_policy(ports: dict[str, Callable[[], socket.socket]], pki: TestPKI) -> None:
    cert = (str(pki.client_cert), str(pki.client_key))
    offers = {name: tls.offered(opener, cert) for name, opener in ports.items()}
    listing = "\n".join(f"{n}: {o.protocols} {o.tls12_suites}" for n, o in offers.items())
    for name, offer in offers.items():
        assert offer.protocols == ["TLSv1.2", "TLSv1.3"], listing
        assert offer.tls12_suites and not offer.weak_suites(), f"{name} offers weak suites\n{listing}"
        assert not any("CBC" in s or s.endswith("-SHA") for s in offer.tls12_suites), listing
    # the same list everywhere: the policy is declared once
    assert len({tuple(o.tls12_suites) for o in offers.values()}) == 1, listing


def test_a_weak_port_is_seen_as_weak(pki: TestPKI, tmp_path: Path) -> None:
    """The probe itself can fail: the operator's weak-cipher variant is listed with its CBC suite."""
    journal = EvidenceJournal(tmp_path)
    with Operator(journal, pki, whitelist=identities.whitelist()) as op:
        op.variant = "weak-cipher"

        def smtp() -> socket.socket:
            s = socket.create_connection((op.host, op.smtp_port), timeout=5)
            f = s.makefile("rb")
            f.readline()
            s.sendall(b"STARTTLS\r\n")
            f.readline()
            return s

        offer = tls.offered(smtp, (str(pki.client_cert), str(pki.client_key)))
    journal.close()
    assert offer.protocols == ["TLSv1.2"] and offer.weak_suites() == ["AES128-SHA"]


@pytest.mark.parametrize(
    ("suite", "strong"),
    [("ECDHE-RSA-AES128-GCM-SHA256", True), ("ECDHE-RSA-CHACHA20-POLY1305", True), ("ECDHE-RSA-AES128-SHA", False)],
)
def test_strong_suite_names(suite: str, strong: bool) -> None:
    assert tls.is_strong_tls12_suite(suite) is strong
