"""Who the client certificate says the DUI is: the identity behind implicit and EXTERNAL authentication.

An applicative BAL authenticates with an IGC-Santé personne morale "ORG" certificate (mutual
TLS). Here that means: issued under the test ORG CA, currently valid, EKU clientAuth, a structure
in the subject (O and OU), and a SAN e-mail that is one of the operator's BAL.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from conformance.formats.pki import TestPKI
from conformance.socles.mssante.service.records import ClientCertInfo


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _valid_now(cert: x509.Certificate, now: dt.datetime) -> bool:
    return cert.not_valid_before_utc <= now <= cert.not_valid_after_utc


def describe_client_cert(der: bytes, pki: TestPKI, bals: set[str]) -> ClientCertInfo:
    """Parse and judge a DER client certificate; a certificate that cannot be parsed is described as such."""
    digest = hashlib.sha256(der).hexdigest()
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError as exc:
        return ClientCertInfo("(unparseable)", "", [], False, False, False, digest, "", [f"unparseable: {exc}"], None)
    now = dt.datetime.now(dt.UTC)
    root, org = pki.trust_anchor(), pki.intermediates()[0]
    problems: list[str] = []
    chains = _valid_now(cert, now) and (
        (_issued_by(cert, org) and _issued_by(org, root) and _valid_now(org, now)) or _issued_by(cert, root)
    )
    if not chains:
        problems.append("does not chain to the test IGC-Santé root (or is not currently valid)")
    try:
        ekus = list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        ekus = []
    client_auth = ExtendedKeyUsageOID.CLIENT_AUTH in ekus
    if not client_auth:
        problems.append("no clientAuth extended key usage")
    try:
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        emails = [str(e) for e in sans.get_values_for_type(x509.RFC822Name)]
    except x509.ExtensionNotFound:
        emails = []
    has_structure = bool(cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)) and bool(
        cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
    )
    if not has_structure:
        problems.append("subject names no structure (O and OU)")
    known = [e for e in emails if e.lower() in bals]
    if not known:
        problems.append(f"no SAN e-mail is a BAL of this operator (SAN: {', '.join(emails) or 'none'})")
    return ClientCertInfo(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        san_emails=emails,
        chains_to_test_root=chains,
        client_auth_eku=client_auth,
        is_org_client_cert=chains and client_auth and has_structure and bool(known),
        sha256=digest,
        not_after=cert.not_valid_after_utc.isoformat(),
        problems=problems,
        bal=known[0].lower() if known and chains and client_auth and has_structure else None,
    )
