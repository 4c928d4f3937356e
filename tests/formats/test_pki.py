"""The test PKI: IGC-Santé shape, the bad certificates the transport scenarios need, caching."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import ssl
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from conformance import identities
from conformance.formats.pki import FILES, TestPKI


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    return TestPKI.load_or_create(tmp_path_factory.mktemp("pki"))


def _crls(pki: TestPKI) -> list[x509.CertificateRevocationList]:
    marker = b"-----BEGIN X509 CRL-----"
    return [x509.load_pem_x509_crl(marker + b) for b in pki.crl.read_bytes().split(marker)[1:]]


def test_every_file_exists_and_is_described(pki: TestPKI) -> None:
    described = pki.describe()
    assert set(described) == set(FILES)
    for path in described.values():
        assert Path(path).is_file() and Path(path).stat().st_size > 0
    assert oct(pki.client_key.stat().st_mode & 0o777) == "0o600"
    bundle = pki.ca_bundle.read_bytes()
    assert bundle.count(b"BEGIN CERTIFICATE") == 2
    assert "TEST" in pki.trust_anchor().subject.rfc4514_string()


@pytest.mark.requirements("MSS-AUTH-04")
def test_org_client_certificate(pki: TestPKI) -> None:
    cert = pki.certificate("client_cert")
    bal = identities.dui_bal()["address"]
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.RFC822Name) == [bal]
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value.startswith("TEST")
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.CLIENT_AUTH in list(eku)
    verified = (
        PolicyBuilder().store(Store([pki.trust_anchor()])).build_client_verifier().verify(cert, pki.intermediates())
    )
    assert [str(s.value) for s in verified.subjects or []] == [bal]
    assert len(verified.chain) == 3  # leaf, ORG CA, root


def test_server_certificates(pki: TestPKI) -> None:
    policy = PolicyBuilder().store(Store([pki.trust_anchor()]))
    verifier = policy.build_server_verifier(x509.DNSName("localhost"))
    assert len(verifier.verify(pki.certificate("server_cert"), pki.intermediates())) == 3
    with pytest.raises(VerificationError):
        verifier.verify(pki.certificate("rogue_cert"), pki.intermediates())
    expired = pki.certificate("expired_cert")
    assert expired.not_valid_after_utc < dt.datetime.now(dt.UTC)
    assert expired.issuer == pki.intermediates()[0].subject
    revoked = pki.certificate("revoked_cert")
    listed = [c for c in _crls(pki) if c.get_revoked_certificate_by_serial_number(revoked.serial_number)]
    assert len(listed) == 1 and listed[0].issuer == pki.intermediates()[0].subject
    assert all(
        c.is_signature_valid(i.public_key())
        for c, i in zip(_crls(pki), [pki.trust_anchor(), pki.intermediates()[0]], strict=True)
    )


def test_signing_certificate(pki: TestPKI) -> None:
    usage = pki.certificate("signing_cert").extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    assert pki.private_key("signing_key").key_size == 2048


def test_reused_when_complete(pki: TestPKI) -> None:
    before = {n: os.stat(p).st_mtime_ns for n, p in pki.describe().items()}
    again = TestPKI.load_or_create(pki.directory)
    assert again.revoked_serial == pki.revoked_serial
    assert {n: os.stat(p).st_mtime_ns for n, p in again.describe().items()} == before


def test_recreated_when_incomplete_or_for_another_bal(pki: TestPKI, tmp_path: Path) -> None:
    shutil.copytree(pki.directory, tmp_path, dirs_exist_ok=True)
    assert TestPKI._load(tmp_path, pki.bal) is not None
    (tmp_path / FILES["server_key"]).unlink()
    assert TestPKI._load(tmp_path, pki.bal) is None  # incomplete: would be rebuilt
    other = TestPKI.load_or_create(tmp_path, bal="autre-bal@ehpad-essai.mssante.fr")
    assert other.server_key.is_file() and other.certificate("root_cert") != pki.certificate("root_cert")
    san = other.certificate("client_cert").extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert san.value.get_values_for_type(x509.RFC822Name) == ["autre-bal@ehpad-essai.mssante.fr"]


def test_stale_crl_refreshed_without_new_keys(pki: TestPKI, tmp_path: Path) -> None:
    shutil.copytree(pki.directory, tmp_path, dirs_exist_ok=True)
    pki = TestPKI.load_or_create(tmp_path)
    root_before = pki.root_cert.read_bytes()
    crls = pki.crl.read_bytes()
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    pki.crl.write_bytes(crls.split(b"-----BEGIN X509 CRL-----")[0] + b"")  # CRLs gone: treated as due
    again = TestPKI.load_or_create(tmp_path)
    assert again.root_cert.read_bytes() == root_before
    assert len(_crls(again)) == 2
    assert json.loads((tmp_path / "manifest.json").read_text()) == manifest


def _handshake(pki: TestPKI, server_cert: Path, server_key: Path, flags: ssl.VerifyFlags) -> str:
    """A TLS handshake over loopback with a client that checks CRLs with `flags`; 'ok' or the error."""
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(server_cert, server_key)
    client_ctx = ssl.create_default_context(cafile=str(pki.ca_bundle))
    client_ctx.load_verify_locations(cafile=str(pki.crl))
    client_ctx.verify_flags |= flags
    listener = socket.create_server(("127.0.0.1", 0))
    result: list[str] = []

    def serve() -> None:
        conn, _ = listener.accept()
        try:
            with server_ctx.wrap_socket(conn, server_side=True) as tls:
                tls.recv(1)
        except (ssl.SSLError, OSError):
            pass

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        with (
            socket.create_connection(listener.getsockname()) as raw,
            client_ctx.wrap_socket(raw, server_hostname="localhost") as tls,
        ):
            tls.sendall(b"x")
            result.append("ok")
    except ssl.SSLError as exc:
        result.append(exc.reason or str(exc))
    finally:
        thread.join(timeout=10)
        listener.close()
    return result[0]


@pytest.mark.requirements("MSS-TLS-07")
@pytest.mark.parametrize("flags", [ssl.VERIFY_CRL_CHECK_LEAF, ssl.VERIFY_CRL_CHECK_CHAIN], ids=["leaf", "chain"])
def test_crl_usable_by_python_ssl(pki: TestPKI, flags: ssl.VerifyFlags) -> None:
    assert _handshake(pki, pki.server_cert, pki.server_key, flags) == "ok"
    assert _handshake(pki, pki.revoked_cert, pki.revoked_key, flags) == "CERTIFICATE_VERIFY_FAILED"


def test_concurrent_creation_is_consistent(tmp_path: Path) -> None:
    target = tmp_path / "shared-cache"
    made: list[TestPKI] = []
    threads = [threading.Thread(target=lambda: made.append(TestPKI.load_or_create(target))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(made) == 2
    final = TestPKI.load_or_create(target)
    for attr in ("server", "client", "revoked"):
        assert final.private_key(f"{attr}_key").public_key() == final.certificate(f"{attr}_cert").public_key()
    final.certificate("client_cert").verify_directly_issued_by(final.intermediates()[0])
    final.intermediates()[0].verify_directly_issued_by(final.trust_anchor())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shared-cache"]  # no staging folder left behind
