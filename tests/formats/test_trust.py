"""Signer trust: a verified chain to given anchors, a signing key usage, CRLs current at the reference time.

Without anchors nothing is trusted ("not evaluated"); a rogue, expired-at-the-time or revoked signer
is untrusted; a chain no CRL covers leaves the answer "not evaluated", never "trusted".
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from conformance.formats.pki import TestPKI
from conformance.formats.trust import (
    NOT_EVALUATED,
    TRUSTED,
    UNTRUSTED,
    TrustError,
    TrustStore,
    judge_signer,
    store_from,
)

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    return TestPKI.load_or_create(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def store(pki: TestPKI) -> TrustStore:
    return TrustStore.load([pki.ca_bundle], [pki.crl])


def _cert(pki: TestPKI, attr: str) -> x509.Certificate:
    return pki.certificate(attr)


def test_the_structure_cachet_is_trusted_with_its_chain(pki: TestPKI, store: TrustStore) -> None:
    verdict = judge_signer(_cert(pki, "signing_cert"), [], store, NOW)
    assert verdict.status == TRUSTED and verdict.signer.startswith("CN=TEST CACHET")
    assert len(verdict.chain) == 3  # cachet, organisations CA, root


def test_without_anchors_nothing_is_trusted(pki: TestPKI) -> None:
    verdict = judge_signer(_cert(pki, "signing_cert"), [], None, NOW)
    assert (verdict.status, verdict.code) == (NOT_EVALUATED, "no-anchor")


def test_a_rogue_ca_signer_is_untrusted(pki: TestPKI, store: TrustStore) -> None:
    rogue = _cert(pki, "rogue_cert")
    verdict = judge_signer(rogue, [_cert(pki, "rogue_ca_cert")], store, NOW)  # carrying its own CA is no help
    assert (verdict.status, verdict.code) == (UNTRUSTED, "chain")


def test_a_signer_outside_its_validity_at_the_reference_time_is_untrusted(pki: TestPKI, store: TrustStore) -> None:
    cert = _cert(pki, "signing_cert")
    before = cert.not_valid_before_utc - dt.timedelta(days=1)
    assert judge_signer(cert, [], store, before).status == UNTRUSTED


def test_revocation_needs_the_crl(pki: TestPKI, store: TrustStore) -> None:
    revoked = _cert(pki, "revoked_cert")
    verdict = judge_signer(revoked, [], store, NOW)
    assert (verdict.status, verdict.code) == (UNTRUSTED, "revoked") and "revoked" in verdict.reason
    no_crl = TrustStore.load([pki.ca_bundle])
    assert judge_signer(revoked, [], no_crl, NOW).code == "no-crl"
    assert judge_signer(_cert(pki, "signing_cert"), [], no_crl, NOW).status == NOT_EVALUATED


def test_a_crl_from_another_issuer_or_out_of_date_covers_nothing(pki: TestPKI, store: TrustStore) -> None:
    later = NOW + dt.timedelta(days=400)  # beyond the CRLs' nextUpdate (and the certificate's life)
    assert judge_signer(_cert(pki, "signing_cert"), [], store, later).status != TRUSTED


def test_a_certificate_that_may_not_sign_is_untrusted(pki: TestPKI, store: TrustStore) -> None:
    """A leaf of the organisations CA whose keyUsage allows key encipherment only."""
    ca_key = pki.private_key("intermediate_key")
    ca = _cert(pki, "intermediate_cert")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "TEST CHIFFREMENT")]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, True, False, False, False, False, False, False), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    verdict = judge_signer(leaf, [], store, NOW)
    assert (verdict.status, verdict.code) == (UNTRUSTED, "usage")


def test_loading_errors_are_usage_errors(tmp_path: Path, pki: TestPKI) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("nothing here")
    with pytest.raises(TrustError, match="no PEM or DER certificate"):
        TrustStore.load([junk])
    with pytest.raises(TrustError, match="not a CRL"):
        TrustStore.load([pki.ca_bundle], [junk])
    with pytest.raises(TrustError, match="No such file"):
        TrustStore.load([tmp_path / "absent.pem"])


def test_the_scenario_store_comes_from_its_bundle_and_crl(pki: TestPKI) -> None:
    given = store_from({"ca_bundle": str(pki.ca_bundle), "crl": str(pki.crl)})
    assert given is not None and len(given.anchors) == 2 and len(given.crls) == 2
    assert store_from({}) is None
    assert store_from({"ca_bundle": "/nonexistent/bundle.pem"}) is None
