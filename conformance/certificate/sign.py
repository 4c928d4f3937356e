"""Signing and verifying certificates with an X.509 key, through `cryptography` only.

What is signed is the canonical JSON (sorted keys, no spaces, UTF-8) of the certificate together
with every field of the detached envelope but the signature itself (algorithm, time, the chain's
exact PEM text), so no byte of either can change unnoticed; verification
checks the signature with the leaf's public key, the chain link by link, validity dates at the
signing time, and, when trust anchors are given, that the chain ends at one of them. Without a
signing key the harness uses a per-installation self-signed key and the certificate says
"auto-attesté": valid means "unaltered since it was produced", not "vouched for by anyone".
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

ENVELOPE_SCHEMA = "dui-conformance/signature/1"


class SigningError(ValueError):
    pass


def canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass
class Signer:
    key: Any  # RSA or EC private key
    chain: list[x509.Certificate]  # leaf first
    auto_attested: bool

    @property
    def subject(self) -> str:
        return self.chain[0].subject.rfc4514_string()


def load_signer(key_path: Path, cert_path: Path | None = None, password: bytes | None = None) -> Signer:
    """PEM key + PEM chain, or one PKCS#12 file (key_path) holding both."""
    data = Path(key_path).read_bytes()
    try:
        if cert_path is None:
            key, cert, extra = pkcs12.load_key_and_certificates(data, password)
            if key is None or cert is None:
                raise SigningError(f"{key_path}: PKCS#12 file without key or certificate")
            return Signer(key, [cert, *extra], auto_attested=False)
        key = serialization.load_pem_private_key(data, password)
        chain = x509.load_pem_x509_certificates(Path(cert_path).read_bytes())
    except (ValueError, TypeError) as exc:
        raise SigningError(f"cannot load signing key/certificate: {exc}") from exc
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise SigningError("signing key must be RSA or EC")
    return Signer(key, chain, auto_attested=False)


def installation_signer(directory: Path | None = None) -> Signer:
    """The per-installation self-signed key, created once (0600) and reused."""
    base = directory or Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "dui-conformance"
    key_file, cert_file = base / "auto-attestation.key", base / "auto-attestation.pem"
    if key_file.exists() and cert_file.exists():
        signer = load_signer(key_file, cert_file)
        if signer.chain[0].not_valid_after_utc > dt.datetime.now(dt.UTC) + dt.timedelta(days=30):
            return Signer(signer.key, signer.chain, auto_attested=True)
    base.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "dui-conformance auto-attestation"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"installation {os.uname().nodename}"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
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
    return Signer(key, [cert], auto_attested=True)


def _sign(key: Any, data: bytes) -> tuple[str, bytes]:
    if isinstance(key, rsa.RSAPrivateKey):
        return "RSASSA-PSS-SHA256", key.sign(data, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
    return "ECDSA-SHA256", key.sign(data, ec.ECDSA(hashes.SHA256()))


SIGNED_ATTRIBUTES = ("schema", "algorithm", "signed_at", "auto_attested", "chain")
ENVELOPE_FIELDS = {*SIGNED_ATTRIBUTES, "payload_sha256", "signature"}


def _signed_bytes(payload: dict[str, Any], attributes: dict[str, Any]) -> bytes:
    """The signature covers the payload and every envelope field but itself (chain text included)."""
    return canonical({"payload": payload, "attributes": attributes})


def sign_payload(payload: dict[str, Any], signer: Signer, when: dt.datetime | None = None) -> dict[str, Any]:
    algorithm = "RSASSA-PSS-SHA256" if isinstance(signer.key, rsa.RSAPrivateKey) else "ECDSA-SHA256"
    attributes = {
        "schema": ENVELOPE_SCHEMA,
        "algorithm": algorithm,
        "signed_at": (when or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
        "auto_attested": signer.auto_attested,
        "chain": [c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in signer.chain],
    }
    _, signature = _sign(signer.key, _signed_bytes(payload, attributes))
    return {
        **attributes,
        "payload_sha256": hashlib.sha256(canonical(payload)).hexdigest(),
        "signature": base64.b64encode(signature).decode("ascii"),
    }


def _verify_signature(public_key: Any, algorithm: str, signature: bytes, data: bytes) -> None:
    if algorithm == "RSASSA-PSS-SHA256" and isinstance(public_key, rsa.RSAPublicKey):
        public_key.verify(signature, data, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
    elif algorithm == "ECDSA-SHA256" and isinstance(public_key, ec.EllipticCurvePublicKey):
        public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    else:
        raise InvalidSignature(f"algorithm {algorithm!r} does not match the signer's key")


def verify_envelope(
    payload: dict[str, Any], envelope: dict[str, Any], trust: list[x509.Certificate] | None = None
) -> list[str]:
    """Problems found (empty when the signature, the chain and the trust all hold)."""
    problems: list[str] = []
    if envelope.get("schema") != ENVELOPE_SCHEMA:
        return [f"signature envelope schema is {envelope.get('schema')!r}, expected {ENVELOPE_SCHEMA}"]
    if set(envelope) != ENVELOPE_FIELDS:
        return [f"signature envelope fields are {sorted(envelope)}, expected {sorted(ENVELOPE_FIELDS)}"]
    if envelope.get("payload_sha256") != hashlib.sha256(canonical(payload)).hexdigest():
        problems.append("the certificate content does not match the signed digest (content altered)")
    data = _signed_bytes(payload, {k: envelope[k] for k in SIGNED_ATTRIBUTES})
    try:
        chain = [x509.load_pem_x509_certificate(str(pem).encode("ascii")) for pem in envelope.get("chain") or []]
        encoded = str(envelope.get("signature", ""))
        signature = base64.b64decode(encoded, validate=True)
        if base64.b64encode(signature).decode("ascii") != encoded:
            raise ValueError("signature is not in canonical base64")
        signed_at = dt.datetime.fromisoformat(str(envelope.get("signed_at")))
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        return [*problems, f"signature envelope unreadable: {exc}"]
    if not chain:
        return [*problems, "no signer certificate in the signature envelope"]
    try:
        _verify_signature(chain[0].public_key(), str(envelope.get("algorithm")), signature, data)
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):
        problems.append("the signature does not verify with the signer's certificate")
    if signed_at.tzinfo is None:
        problems.append(f"signing time {signed_at} has no time zone")
        signed_at = signed_at.replace(tzinfo=dt.UTC)
    for cert in chain:
        if not cert.not_valid_before_utc <= signed_at <= cert.not_valid_after_utc:
            problems.append(f"certificate {cert.subject.rfc4514_string()} was not valid at signing time {signed_at}")
    for child, parent in zip(chain, chain[1:], strict=False):
        try:
            child.verify_directly_issued_by(parent)
        except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
            problems.append(f"{child.subject.rfc4514_string()} is not issued by {parent.subject.rfc4514_string()}")
    if trust is not None:
        top = chain[-1]
        anchored = any(top == anchor for anchor in trust)
        for anchor in trust:
            if anchored:
                break
            try:
                top.verify_directly_issued_by(anchor)
                anchored = True
            except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
                continue
        if not anchored:
            problems.append(f"the signer {chain[0].subject.rfc4514_string()} does not chain to a trusted certificate")
    return problems
