"""The signer rules one by one, on keys minted for each (no run): what may sign a document, and revocation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from conformance.certificate.issue import signer_from
from conformance.certificate.sign import SigningError, sign_payload
from conformance.certificate.trust import (
    ACCEPTED_EKUS,
    INVALID,
    VALID,
    check_signer,
    leaf_problems,
    load_anchors,
    read_crls,
)
from conformance.formats.pki import TestPKI
from tests.certificate.helpers import Forge

PAYLOAD = {"schema": "x", "content": "é"}


def _check(forge: Forge, pki: TestPKI, key: object, leaf: x509.Certificate, crls: tuple[Path, ...] = ()) -> str:
    signer = forge.signer(key, [leaf, pki.certificate("intermediate_cert")])
    envelope = sign_payload(PAYLOAD, signer)
    return check_signer(PAYLOAD, envelope, load_anchors(pki.root_cert), read_crls(crls)).status


@pytest.mark.parametrize(
    ("eku", "status"),
    [
        (ExtendedKeyUsageOID.EMAIL_PROTECTION, VALID),
        (ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE, VALID),
        (ExtendedKeyUsageOID.CODE_SIGNING, INVALID),
        (ExtendedKeyUsageOID.TIME_STAMPING, INVALID),
        (ExtendedKeyUsageOID.CLIENT_AUTH, INVALID),
    ],
)
def test_extended_key_usages(pki: TestPKI, forge: Forge, eku: x509.ObjectIdentifier, status: str) -> None:
    key, leaf = forge.leaf("ACME", eku=[eku])
    assert _check(forge, pki, key, leaf) == status
    assert (eku in ACCEPTED_EKUS) == (status == VALID)


def test_a_benign_revocation_after_signing_does_not_void_the_signature(pki: TestPKI, forge: Forge) -> None:
    key, leaf = forge.leaf("ACME SUPERSEDED")
    crl = forge.crl_revoking(leaf, x509.ReasonFlags.superseded)  # revoked 10 minutes ago
    signer = forge.signer(key, [leaf, pki.certificate("intermediate_cert")])
    before = sign_payload(PAYLOAD, signer, dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30))
    after = sign_payload(PAYLOAD, signer)
    anchors, crls = load_anchors(pki.root_cert), read_crls((crl,))
    assert check_signer(PAYLOAD, before, anchors, crls).status == VALID
    assert check_signer(PAYLOAD, after, anchors, crls).status == INVALID


def test_the_test_pki_keys(pki: TestPKI) -> None:
    assert not leaf_problems(pki.certificate("signing_cert"))
    assert leaf_problems(pki.certificate("client_cert")) and leaf_problems(pki.certificate("root_cert"))


def test_embedding_crls_needs_a_key(pki: TestPKI) -> None:
    with pytest.raises(SigningError):
        signer_from(None, None, (pki.crl,))
    assert len(signer_from(pki.signing_key, pki.signing_cert, (pki.crl,)).crls) == 2
