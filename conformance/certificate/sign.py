"""Signing certificates with an X.509 key, through `cryptography` only.

What is signed is the canonical JSON (sorted keys, no spaces, UTF-8) of the certificate together with
every field of the detached envelope but the signature itself (algorithm, signing time, the signer
chain's exact PEM text, the CRLs embedded at signing time), so no byte of either can change unnoticed.
Who signed, and how far they can be trusted, is decided from that chain alone by
`conformance.certificate.trust`: never from a field of the payload.

Without a signing key the harness signs with a per-installation key whose self-signed certificate carries
the auto-attestation marker (a certificate policy, `AUTO_ATTESTATION_POLICY`): the verifier recognises it
and answers "intact, signer not trusted" whatever the payload says.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID, ObjectIdentifier

ENVELOPE_SCHEMA = "dui-conformance/signature/2"  # 2: embedded CRLs; no self-declared auto-attestation flag
# The harness's own policy OID, under the UUID arc 2.25 (ITU-T X.667: no registration needed), marking the
# certificate of a per-installation key: "signed by the machine that ran the tests, nobody vouches for it".
AUTO_ATTESTATION_POLICY = ObjectIdentifier("2.25.13384271261114119727908230214025128733")
AUTO_ATTESTATION_NOTICE = "dui-conformance auto-attestation: self-signed by the installation, vouched for by nobody"
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")  # id-kp-documentSigning (RFC 9336)


class SigningError(ValueError):
    pass


def canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass
class Signer:
    key: Any  # RSA or EC private key
    chain: list[x509.Certificate]  # leaf first
    crls: list[x509.CertificateRevocationList] = field(default_factory=list)  # embedded at signing time

    @property
    def subject(self) -> str:
        return self.chain[0].subject.rfc4514_string()


def is_auto_attestation(cert: x509.Certificate) -> bool:
    """The per-installation certificate's marker, read from the certificate itself."""
    try:
        policies = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
    except x509.ExtensionNotFound:
        return False
    return any(p.policy_identifier == AUTO_ATTESTATION_POLICY for p in policies)


def load_crls(data: bytes) -> list[x509.CertificateRevocationList]:
    """Every CRL of a PEM file (one or several), or the one CRL of a DER file."""
    marker = b"-----BEGIN X509 CRL-----"
    if marker in data:
        return [x509.load_pem_x509_crl(marker + block) for block in data.split(marker)[1:]]
    return [x509.load_der_x509_crl(data)]


def load_signer(
    key_path: Path, cert_path: Path | None = None, password: bytes | None = None, crls: tuple[Path, ...] = ()
) -> Signer:
    """PEM key + PEM chain, or one PKCS#12 file (key_path) holding both; `crls` are embedded at signing."""
    data = Path(key_path).read_bytes()
    try:
        embedded = [c for path in crls for c in load_crls(Path(path).read_bytes())]
        if cert_path is None:
            key, cert, extra = pkcs12.load_key_and_certificates(data, password)
            if key is None or cert is None:
                raise SigningError(f"{key_path}: PKCS#12 file without key or certificate")
            chain = [cert, *extra]
        else:
            key = serialization.load_pem_private_key(data, password)
            chain = x509.load_pem_x509_certificates(Path(cert_path).read_bytes())
    except (ValueError, TypeError) as exc:
        raise SigningError(f"cannot load signing key/certificate: {exc}") from exc
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise SigningError("signing key must be RSA or EC")
    spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if not chain or chain[0].public_key().public_bytes(*spki) != key.public_key().public_bytes(*spki):
        raise SigningError("the signing certificate (first of the chain) is not the certificate of the signing key")
    return Signer(key, chain, embedded)


def installation_signer(directory: Path | None = None) -> Signer:
    """The per-installation self-signed key, created once (0600) and reused while marked and valid."""
    base = directory or Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "dui-conformance"
    key_file, cert_file = base / "auto-attestation.key", base / "auto-attestation.pem"
    if key_file.exists() and cert_file.exists():
        signer = load_signer(key_file, cert_file)
        cert = signer.chain[0]
        if is_auto_attestation(cert) and cert.not_valid_after_utc > dt.datetime.now(dt.UTC) + dt.timedelta(days=30):
            return signer
    base.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "dui-conformance auto-attestation"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"installation {os.uname().nodename}"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    notice = x509.UserNotice(None, AUTO_ATTESTATION_NOTICE)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([DOCUMENT_SIGNING]), critical=False)
        .add_extension(x509.CertificatePolicies([x509.PolicyInformation(AUTO_ATTESTATION_POLICY, [notice])]), False)
        .sign(key, hashes.SHA256())
    )
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return Signer(key, [cert])


SIGNED_ATTRIBUTES = ("schema", "algorithm", "signed_at", "chain", "crls")
ENVELOPE_FIELDS = {*SIGNED_ATTRIBUTES, "payload_sha256", "signature"}


def signed_bytes(payload: dict[str, Any], attributes: dict[str, Any]) -> bytes:
    """The signature covers the payload and every envelope field but itself (chain and CRL text included)."""
    return canonical({"payload": payload, "attributes": attributes})


def sign_payload(payload: dict[str, Any], signer: Signer, when: dt.datetime | None = None) -> dict[str, Any]:
    algorithm = "RSASSA-PSS-SHA256" if isinstance(signer.key, rsa.RSAPrivateKey) else "ECDSA-SHA256"
    attributes = {
        "schema": ENVELOPE_SCHEMA,
        "algorithm": algorithm,
        "signed_at": (when or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
        "chain": [c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in signer.chain],
        "crls": [c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in signer.crls],
    }
    data = signed_bytes(payload, attributes)
    if isinstance(signer.key, rsa.RSAPrivateKey):
        signature = signer.key.sign(data, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
    else:
        signature = signer.key.sign(data, ec.ECDSA(hashes.SHA256()))
    return {
        **attributes,
        "payload_sha256": hashlib.sha256(canonical(payload)).hexdigest(),
        "signature": base64.b64encode(signature).decode("ascii"),
    }


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the certificate's DER, as an instructor compares it: AB:CD:..."""
    digest = cert.fingerprint(hashes.SHA256()).hex().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))
