"""One TLS policy: every port of every mock service offers exactly what formats/tls.py declares.

Each port is probed the way testssl does it: one handshake per protocol version, then one per
TLS 1.2 suite this OpenSSL knows (weakest included), and the lists must be the same on every port:
TLS 1.2 and 1.3 only, TLS 1.2 suites forward-secret AEAD only (no CBC, no static RSA).
"""

from __future__ import annotations

import datetime as dt
import http.client
import socket
import ssl
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from conformance import identities
from conformance.engine.evidence import EvidenceJournal
from conformance.formats import tls
from conformance.formats.pki import TestPKI, pki_cache_dir
from conformance.formats.revocation import load_crls, path_problem
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


# -- a revoked client certificate is refused by every mutual-TLS service --------------------------------


def _revoke_a_new_client(pki: TestPKI, folder: Path) -> tuple[str, str]:
    """Issue an ORG client certificate under the PKI's ORG CA, then publish a CRL that revokes it."""
    org_cert, org_key = pki.certificate("intermediate_cert"), pki.private_key("intermediate_key")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "TEST EHPAD ESSAI"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "990000001"),
            x509.NameAttribute(NameOID.COMMON_NAME, "dui-app@ehpad-essai.mssante.fr"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(org_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(org_key.public_key()), critical=False)
        .sign(org_key, hashes.SHA256())
    )
    crls = [c for c in load_crls(pki.crl.read_bytes()) if c.issuer != org_cert.subject]
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(org_cert.subject)
        .last_update(now - dt.timedelta(hours=1))
        .next_update(now + dt.timedelta(days=1))
    )
    for serial in (pki.revoked_serial, cert.serial_number):
        revoked = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now - dt.timedelta(hours=1))
        builder = builder.add_revoked_certificate(revoked.build())
    crls.append(builder.sign(org_key, hashes.SHA256()))
    pki.crl.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in crls))
    cert_path, key_path = folder / "revoked-client.pem", folder / "revoked-client.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(cert_path), str(key_path)


def _https_status(port: int, pki: TestPKI, cert: tuple[str, str]) -> int | str:
    ctx = ssl.create_default_context(cafile=str(pki.ca_bundle))
    ctx.load_cert_chain(*cert)
    conn = http.client.HTTPSConnection("localhost", port, context=ctx, timeout=5)
    try:
        conn.request("GET", "/fhir/metadata")
        return conn.getresponse().status
    except (ssl.SSLError, OSError) as exc:
        return type(exc).__name__
    finally:
        conn.close()


def test_revoked_client_certificate_is_refused_in_the_handshake(tmp_path: Path) -> None:
    pki = TestPKI.load_or_create(tmp_path / "pki")
    revoked = _revoke_a_new_client(pki, tmp_path)
    good = (str(pki.client_cert), str(pki.client_key))
    leaf = x509.load_pem_x509_certificate(Path(revoked[0]).read_bytes())
    assert path_problem(leaf, str(pki.ca_bundle), str(pki.crl)) == "certificate revoked"
    assert path_problem(leaf, str(pki.ca_bundle), None) is None  # only the CRL says so
    journal = EvidenceJournal(tmp_path / "evidence")
    dmp, ep = DmpService(journal, pki), PrescriptionService(journal, pki)
    dmp.start()
    ep.start()
    try:
        for port in (dmp.port, ep.port):
            assert isinstance(_https_status(port, pki, good), int)
            assert not isinstance(_https_status(port, pki, revoked), int)  # no HTTP answer at all
    finally:
        ep.stop()
        dmp.stop()
        journal.close()
