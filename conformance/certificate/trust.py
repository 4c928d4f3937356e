"""Who signed a certificate, and how far to trust them: the signer checked as a real PKI checks a signer.

The answer is one of three levels, decided from the signature envelope alone (never from the payload):

- `valid`: the signature is intact and the signer's certificate chains, through
  `cryptography.x509.verification`, to one of the trust anchors the verifier gave (`--trust`);
- `intact, signer not trusted`: the signature is intact and nothing is wrong with the signer's
  certificate, but nobody the verifier trusts vouches for it: the per-installation key (its certificate
  carries the auto-attestation marker), or a signer outside the given anchors, or no anchors given;
- `invalid`: the content or the signature is altered, or the signer's certificate may not sign a document.

What makes a signer's certificate unfit (`invalid`), for the leaf: a key usage without digitalSignature
and nonRepudiation (contentCommitment), or no key usage at all; an extended key usage none of whose
purposes is accepted (ACCEPTED_EKUS, with the reason for each: TLS client and server keys, code signing
or time stamping keys do not sign documents); a CA certificate (a CA key signs certificates, not
documents); the signing time outside its validity. For every issuer of the chain: not a CA (basic
constraints), not allowed to sign certificates, or a broken link. Revocation: the CRLs given to the
verifier (`--crl`) and those embedded at signing time, each checked against its issuer's key; a revoked
certificate is refused, whatever the signing time claims when the reason is key compromise, unspecified
or missing, and when revoked before the signing time otherwise. An embedded CRL issued after the claimed
signing time proves the time back-dated.

There is no trusted time stamp: the signing time is the signer's own claim. The signer's certificate must
therefore also be valid now (as in AdES baseline-B validation): an expired key cannot sign "in the past".
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import verification as pkix
from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier

from conformance.certificate.sign import (
    DOCUMENT_SIGNING,
    ENVELOPE_FIELDS,
    ENVELOPE_SCHEMA,
    SIGNED_ATTRIBUTES,
    canonical,
    fingerprint,
    is_auto_attestation,
    load_crls,
    signed_bytes,
)

VALID, NOT_TRUSTED, INVALID = "valid", "intact, signer not trusted", "invalid"
CLOCK_SKEW = dt.timedelta(minutes=5)
MAX_CHAIN = 8
# The extended key usages accepted on a signer's certificate, and why.
ACCEPTED_EKUS: dict[ObjectIdentifier, str] = {
    DOCUMENT_SIGNING: "id-kp-documentSigning (RFC 9336): made for signing documents",
    ExtendedKeyUsageOID.EMAIL_PROTECTION: "id-kp-emailProtection (RFC 5280): the purpose of personal signature "
    "certificates (S/MIME), which also sign documents",
    ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE: "anyExtendedKeyUsage (RFC 5280): the issuer restricts no purpose",
    ObjectIdentifier("1.3.6.1.4.1.311.10.3.12"): "Microsoft Document Signing: document signing certificates",
    ObjectIdentifier("1.2.840.113583.1.1.5"): "Adobe Authentic Documents Trust: document signing certificates",
}
TRUSTED_CERTIFICATE_SUFFIXES = (".pem", ".crt", ".cer", ".der")
BENIGN_REASONS = frozenset(
    {
        x509.ReasonFlags.affiliation_changed,
        x509.ReasonFlags.superseded,
        x509.ReasonFlags.cessation_of_operation,
        x509.ReasonFlags.privilege_withdrawn,
    }
)


class TrustError(ValueError):
    """Trust anchors or CRLs the verifier gave cannot be read (a usage error, not a verdict)."""


@dataclass
class SignerCheck:
    """The level, the verified signer and every reason behind the answer."""

    status: str
    subject: str = ""  # the leaf's subject: of the verified chain when valid
    organization: str = ""
    fingerprint: str = ""
    auto_attested: bool = False
    chain: list[str] = field(default_factory=list)  # subjects, leaf first (the verified chain when valid)
    problems: list[str] = field(default_factory=list)  # why invalid
    reasons: list[str] = field(default_factory=list)  # why not trusted

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "subject": self.subject,
            "organization": self.organization,
            "fingerprint_sha256": self.fingerprint,
            "auto_attested": self.auto_attested,
            "chain": self.chain,
            "problems": self.problems,
            "reasons": self.reasons,
        }


def _certificates(data: bytes) -> list[x509.Certificate]:
    if b"-----BEGIN CERTIFICATE-----" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def load_anchors(path: Path) -> list[x509.Certificate]:
    """A PEM bundle, one DER certificate, or a directory of them (*.pem, *.crt, *.cer, *.der)."""
    path = Path(path)
    files = (
        sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in TRUSTED_CERTIFICATE_SUFFIXES)
        if path.is_dir()
        else [path]
    )
    found: list[x509.Certificate] = []
    for file in files:
        try:
            found.extend(_certificates(file.read_bytes()))
        except (OSError, ValueError) as exc:
            raise TrustError(f"cannot read trust anchors from {file}: {exc}") from exc
    if not found:
        raise TrustError(f"no certificate found in {path}")
    return found


def read_crls(paths: Iterable[Path]) -> list[x509.CertificateRevocationList]:
    out: list[x509.CertificateRevocationList] = []
    for path in paths:
        try:
            out.extend(load_crls(Path(path).read_bytes()))
        except (OSError, ValueError) as exc:
            raise TrustError(f"cannot read CRL {path}: {exc}") from exc
    return out


# -- the leaf's fitness to sign documents: the validators of the policy, also run on untrusted chains ------


def _key_usage(policy: Any, cert: x509.Certificate, ku: x509.KeyUsage | None) -> None:
    if ku is None or not (ku.digital_signature or ku.content_commitment):
        raise ValueError("its key usage allows neither digitalSignature nor nonRepudiation")


def _extended_key_usage(policy: Any, cert: x509.Certificate, eku: x509.ExtendedKeyUsage | None) -> None:
    if eku is not None and not any(oid in ACCEPTED_EKUS for oid in eku):
        names = ", ".join(getattr(oid, "_name", oid.dotted_string) for oid in eku)
        raise ValueError(f"its extended key usage ({names}) is not for signing documents")


def _not_a_ca(policy: Any, cert: x509.Certificate, bc: x509.BasicConstraints | None) -> None:
    if bc is not None and bc.ca:
        raise ValueError("it is a CA certificate: a CA key signs certificates, not documents")


def leaf_problems(cert: x509.Certificate) -> list[str]:
    """What makes `cert` unfit to sign a certificate, in words (empty when fit)."""
    out: list[str] = []
    for ext_type, validator in (
        (x509.KeyUsage, _key_usage),
        (x509.ExtendedKeyUsage, _extended_key_usage),
        (x509.BasicConstraints, _not_a_ca),
    ):
        try:
            value: Any = cert.extensions.get_extension_for_class(ext_type).value
        except x509.ExtensionNotFound:
            value = None
        except ValueError as exc:
            out.append(f"unreadable extension: {exc}")
            continue
        try:
            validator(None, cert, value)
        except ValueError as exc:
            out.append(str(exc))
    return out


def _ee_policy() -> pkix.ExtensionPolicy:
    agnostic = pkix.Criticality.AGNOSTIC
    return (
        pkix.ExtensionPolicy.permit_all()
        .require_present(x509.KeyUsage, agnostic, _key_usage)
        .may_be_present(x509.ExtendedKeyUsage, agnostic, _extended_key_usage)
        .may_be_present(x509.BasicConstraints, agnostic, _not_a_ca)
    )


def verified_chain(
    leaf: x509.Certificate, intermediates: list[x509.Certificate], anchors: list[x509.Certificate], at: dt.datetime
) -> list[x509.Certificate]:
    """The chain `cryptography` builds from `leaf` to one of `anchors` at time `at` (VerificationError if none):
    validity of every certificate, basic constraints and key usage of every issuer (RFC 5280 profile),
    and the leaf's fitness to sign documents."""
    builder = (
        pkix.PolicyBuilder()
        .store(pkix.Store(anchors))
        .time(at)
        .max_chain_depth(MAX_CHAIN)
        .extension_policies(ca_policy=pkix.ExtensionPolicy.webpki_defaults_ca(), ee_policy=_ee_policy())
    )
    return list(builder.build_client_verifier().verify(leaf, intermediates).chain)


# -- the envelope -----------------------------------------------------------------------------------------


def _verify_signature(cert: x509.Certificate, algorithm: str, signature: bytes, data: bytes) -> bool:
    key = cert.public_key()
    try:
        if algorithm == "RSASSA-PSS-SHA256" and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
        elif algorithm == "ECDSA-SHA256" and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        else:
            return False
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):
        return False
    return True


def _read_envelope(
    payload: dict[str, Any], envelope: dict[str, Any]
) -> tuple[list[x509.Certificate], list[x509.CertificateRevocationList], dt.datetime, list[str]]:
    """(chain, embedded CRLs, signing time, problems): problems make the certificate invalid."""
    if envelope.get("schema") != ENVELOPE_SCHEMA:
        raise ValueError(f"signature envelope schema is {envelope.get('schema')!r}, expected {ENVELOPE_SCHEMA}")
    if set(envelope) != ENVELOPE_FIELDS:
        raise ValueError(f"signature envelope fields are {sorted(envelope)}, expected {sorted(ENVELOPE_FIELDS)}")
    chain = [x509.load_pem_x509_certificate(str(pem).encode("ascii")) for pem in envelope.get("chain") or []]
    crls = [x509.load_pem_x509_crl(str(pem).encode("ascii")) for pem in envelope.get("crls") or []]
    if not chain:
        raise ValueError("no signer certificate in the signature envelope")
    for cert in chain:  # parsed lazily by cryptography: a damaged field fails here, not in the middle of a rule
        _ = (cert.subject.rfc4514_string(), cert.issuer.rfc4514_string(), cert.not_valid_after_utc)
        _ = [ext.value for ext in cert.extensions]
    if len(chain) > MAX_CHAIN:
        raise ValueError(f"a signer chain of {len(chain)} certificates")
    encoded = str(envelope.get("signature", ""))
    signature = base64.b64decode(encoded, validate=True)
    if base64.b64encode(signature).decode("ascii") != encoded:
        raise ValueError("signature is not in canonical base64")
    signed_at = dt.datetime.fromisoformat(str(envelope.get("signed_at")))
    problems: list[str] = []
    if envelope.get("payload_sha256") != hashlib.sha256(canonical(payload)).hexdigest():
        problems.append("the certificate content does not match the signed digest (content altered)")
    data = signed_bytes(payload, {k: envelope[k] for k in SIGNED_ATTRIBUTES})
    if not _verify_signature(chain[0], str(envelope.get("algorithm")), signature, data):
        problems.append("the signature does not verify with the signer's certificate")
    if signed_at.tzinfo is None:
        problems.append(f"signing time {signed_at} has no time zone")
        signed_at = signed_at.replace(tzinfo=dt.UTC)
    return chain, crls, signed_at, problems


def _time_problems(leaf: x509.Certificate, signed_at: dt.datetime, now: dt.datetime) -> list[str]:
    out: list[str] = []
    if signed_at > now + CLOCK_SKEW:
        out.append(f"the signing time {signed_at.isoformat()} is in the future")
    if not leaf.not_valid_before_utc <= signed_at <= leaf.not_valid_after_utc:
        out.append(f"the signing time {signed_at.isoformat()} is outside the signer certificate's validity")
    if not leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc:
        out.append(
            f"the signer certificate is not valid now (valid {leaf.not_valid_before_utc:%Y-%m-%d} to "
            f"{leaf.not_valid_after_utc:%Y-%m-%d}); without a trusted time stamp its signing time cannot be relied on"
        )
    return out


def _issued_by(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        child.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _link_problems(chain: list[x509.Certificate], at: dt.datetime) -> list[str]:
    """The chain as given, link by link (for a chain no anchor covers): issuers must be CAs that sign."""
    out: list[str] = []
    for child, parent in zip(chain, chain[1:], strict=False):
        name = parent.subject.rfc4514_string()
        if not _issued_by(child, parent):
            out.append(f"{child.subject.rfc4514_string()} is not issued by {name}")
        try:
            bc = parent.extensions.get_extension_for_class(x509.BasicConstraints).value
        except x509.ExtensionNotFound:
            bc = None
        if bc is None or not bc.ca:
            out.append(f"the issuer {name} is not a certification authority (basic constraints)")
        try:
            ku = parent.extensions.get_extension_for_class(x509.KeyUsage).value
            if not ku.key_cert_sign:
                out.append(f"the issuer {name} may not sign certificates (key usage)")
        except x509.ExtensionNotFound:
            pass
        if not parent.not_valid_before_utc <= at <= parent.not_valid_after_utc:
            out.append(f"the issuer {name} was not valid at the signing time")
    return out


def _revocation_problems(
    chain: list[x509.Certificate],
    issuers: list[x509.Certificate],
    given: list[x509.CertificateRevocationList],
    embedded: list[x509.CertificateRevocationList],
    signed_at: dt.datetime,
) -> list[str]:
    out: list[str] = []
    by_subject = {c.subject: c for c in issuers}
    for crl in embedded:
        if crl.last_update_utc > signed_at + CLOCK_SKEW:
            out.append(
                f"a CRL embedded at signing time was issued on {crl.last_update_utc.isoformat()}, after the claimed "
                f"signing time {signed_at.isoformat()} (back-dated signature)"
            )
    for cert in chain:
        issuer = by_subject.get(cert.issuer)
        if issuer is None or issuer is cert:
            continue
        for crl in (*given, *embedded):
            if crl.issuer != cert.issuer or not crl.is_signature_valid(issuer.public_key()):  # type: ignore[arg-type]
                continue
            revoked = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
            if revoked is None:
                continue
            try:
                reason: x509.ReasonFlags | None = revoked.extensions.get_extension_for_class(
                    x509.CRLReason
                ).value.reason
            except x509.ExtensionNotFound:
                reason = None
            if reason not in BENIGN_REASONS or revoked.revocation_date_utc <= signed_at:
                why = reason.value if reason is not None else "no reason given"
                since = revoked.revocation_date_utc.isoformat()
                out.append(f"{cert.subject.rfc4514_string()} is revoked since {since} ({why})")
                break
    return out


def _organization(cert: x509.Certificate) -> str:
    for oid in (x509.NameOID.ORGANIZATION_NAME, x509.NameOID.COMMON_NAME):
        values = cert.subject.get_attributes_for_oid(oid)
        if values:
            return str(values[0].value)
    return ""


def check_signer(
    payload: dict[str, Any],
    envelope: dict[str, Any],
    anchors: list[x509.Certificate] | None = None,
    crls: list[x509.CertificateRevocationList] | None = None,
    now: dt.datetime | None = None,
) -> SignerCheck:
    """The trust level of a signed certificate (see the module docstring)."""
    now = now or dt.datetime.now(dt.UTC)
    try:
        chain, embedded, signed_at, problems = _read_envelope(payload, envelope)
    except Exception as exc:  # noqa: BLE001 - cryptography raises several types on damaged DER: all mean unreadable
        return SignerCheck(INVALID, problems=[f"signature envelope unreadable: {type(exc).__name__}: {exc}"])
    leaf = chain[0]
    out = SignerCheck(
        INVALID,
        subject=leaf.subject.rfc4514_string(),
        organization=_organization(leaf),
        fingerprint=fingerprint(leaf),
        auto_attested=is_auto_attestation(leaf),
        chain=[c.subject.rfc4514_string() for c in chain],
    )
    problems += [f"the signer's certificate may not sign documents: {p}" for p in leaf_problems(leaf)]
    problems += _time_problems(leaf, signed_at, now)
    issuers = [*chain, *(anchors or [])]
    problems += _revocation_problems(chain, issuers, list(crls or []), embedded, signed_at)
    if problems:
        out.problems = problems
        return out
    out.status = NOT_TRUSTED
    if out.auto_attested:
        out.reasons.append("signed with the per-installation key of the machine that ran the tests (auto-attesté)")
        return out
    if anchors:
        try:
            verified = verified_chain(leaf, chain[1:], anchors, signed_at)
        except pkix.VerificationError as exc:
            out.reasons.append(f"the signer does not chain to a trusted certificate ({exc})")
        else:
            out.status, out.chain = VALID, [c.subject.rfc4514_string() for c in verified]
            problems += _revocation_problems(verified, verified, list(crls or []), embedded, signed_at)
            if problems:
                out.status, out.problems = INVALID, problems
            return out
    else:
        out.reasons.append("no trust anchor given (--trust): nobody vouches for the signer")
    top = chain[-1]
    if len(chain) > 1 and top.subject == top.issuer and _issued_by(top, top):  # complete: its own rules must hold
        try:
            verified_chain(leaf, chain[1:-1], [top], signed_at)
        except pkix.VerificationError as exc:
            out.status, out.problems = INVALID, [f"the signer's chain breaks the PKI rules: {exc}"]
    else:
        links = _link_problems(chain, signed_at)
        if links:
            out.status, out.problems = INVALID, links
    return out
