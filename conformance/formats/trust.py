"""Whether a signer is trusted: a verified chain to given anchors, the right key usage, no revocation.

A valid signature only proves that the bytes were signed with the key of the certificate the
signature carries; anyone can make such a certificate. Trust needs anchors (the IGC-Santé roots, or
the test PKI's in a run) given by the user (`validate --trust CA.pem --crl FILE`) or by the scenario.
Without anchors the answer is "not evaluated", never "trusted".

The chain is built and verified by cryptography's X.509 verifier (path building, signatures,
validity periods, CA constraints) at the reference time of the check (the capture time). The
leaf must allow signing (keyUsage digitalSignature or nonRepudiation). Revocation: each certificate
of the chain below its anchor must be covered by a CRL of its issuer, signed by that issuer and
current at the reference time; a certificate listed there (revoked at or before the reference time)
is untrusted, and a link no CRL covers leaves revocation, and so trust, not evaluated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.x509 import verification

TRUSTED, UNTRUSTED, NOT_EVALUATED = "trusted", "untrusted", "not-evaluated"


class TrustError(ValueError):
    """An anchor or CRL file cannot be used (a usage error of the command line)."""


@dataclass(frozen=True)
class TrustStore:
    """Anchors and CRLs. The self-signed certificates of the given files are the anchors; the others
    (a CA bundle's intermediates) only help build the chain, so their revocation is checked too. Files
    without any self-signed certificate pin what they hold: every certificate is then an anchor."""

    anchors: tuple[x509.Certificate, ...]
    crls: tuple[x509.CertificateRevocationList, ...] = ()

    @property
    def roots(self) -> list[x509.Certificate]:
        roots = [c for c in self.anchors if c.subject == c.issuer]
        return roots or list(self.anchors)

    @property
    def intermediates(self) -> list[x509.Certificate]:
        roots = self.roots
        return [c for c in self.anchors if c not in roots]

    @classmethod
    def load(cls, anchor_files: Iterable[Path | str], crl_files: Iterable[Path | str] = ()) -> TrustStore:
        """PEM certificates (one or more per file) and CRLs (PEM, several per file, or DER)."""
        anchors: list[x509.Certificate] = []
        for path in anchor_files:
            data = _read(path)
            try:
                found = x509.load_pem_x509_certificates(data)
            except ValueError:
                try:
                    found = [x509.load_der_x509_certificate(data)]
                except ValueError as exc:
                    raise TrustError(f"{path}: no PEM or DER certificate ({exc})") from None
            anchors.extend(found)
        crls: list[x509.CertificateRevocationList] = []
        for path in crl_files:
            crls.extend(_load_crls(path, _read(path)))
        if not anchors:
            raise TrustError("no trust anchor given")
        return cls(tuple(anchors), tuple(crls))


def _read(path: Path | str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise TrustError(f"{path}: {exc.strerror or exc}") from None


def _load_crls(path: Path | str, data: bytes) -> list[x509.CertificateRevocationList]:
    marker = b"-----BEGIN X509 CRL-----"
    try:
        if marker in data:
            return [x509.load_pem_x509_crl(marker + block) for block in data.split(marker)[1:]]
        return [x509.load_der_x509_crl(data)]
    except ValueError as exc:
        raise TrustError(f"{path}: not a CRL ({exc})") from None


@dataclass(frozen=True)
class SignerTrust:
    status: str  # trusted | untrusted | not-evaluated
    reason: str = ""  # why not trusted or not evaluated (English, technical: goes into a message parameter)
    chain: tuple[str, ...] = ()  # subjects, signer first, when a chain was built
    code: str = ""  # no-anchor | no-crl | chain | usage | revoked: the kind of reason, for worded messages

    @property
    def signer(self) -> str:
        """The name shown for the signer: the verified chain's, never a payload field."""
        return self.chain[0] if self.chain else ""


def _may_sign(cert: x509.Certificate) -> bool:
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True  # no keyUsage extension: every usage is allowed (RFC 5280 §4.2.1.3)
    return bool(ku.digital_signature or ku.content_commitment)


def _revocation(
    chain: Sequence[x509.Certificate], crls: Sequence[x509.CertificateRevocationList], at: dt.datetime
) -> SignerTrust | None:
    """None when every link below the anchor is covered by a current CRL of its issuer and none is revoked."""
    # names compared as DER (cryptography builds a Python Name at every `.issuer`, and comparing two walks
    # their RDNs), the CRL's signature checked last, on the CRLs that cover the link by name and date
    named = [(c, c.issuer.public_bytes()) for c in crls]
    for cert, issuer in zip(chain, chain[1:], strict=False):
        wanted = cert.issuer.public_bytes()
        covering = [
            c
            for c, name in named
            if name == wanted
            and c.last_update_utc <= at
            and (c.next_update_utc is None or at <= c.next_update_utc)
            and c.is_signature_valid(issuer.public_key())  # type: ignore[arg-type]
        ]
        subject = cert.subject.rfc4514_string()
        if not covering:
            return SignerTrust(NOT_EVALUATED, subject, code="no-crl")
        for crl in covering:
            entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
            if entry is not None and entry.revocation_date_utc <= at:
                when = entry.revocation_date_utc.isoformat()
                return SignerTrust(
                    UNTRUSTED, f"{subject} is revoked (CRL of {crl.issuer.rfc4514_string()}, {when})", code="revoked"
                )
    return None


def judge_signer(
    cert: x509.Certificate, carried: Sequence[x509.Certificate], store: TrustStore | None, at: dt.datetime
) -> SignerTrust:
    """Whether `cert` (the signing certificate) is trusted at `at`, with `carried` as intermediates."""
    if store is None:
        return SignerTrust(NOT_EVALUATED, code="no-anchor")
    policy = (
        verification.PolicyBuilder()
        .store(verification.Store(store.roots))
        .time(at)
        .extension_policies(
            ca_policy=verification.ExtensionPolicy.webpki_defaults_ca(),
            ee_policy=verification.ExtensionPolicy.permit_all(),
        )
    )
    try:
        helpers = [c for c in [*carried, *store.intermediates] if c != cert]
        verified = policy.build_client_verifier().verify(cert, helpers)
    except verification.VerificationError as exc:
        return SignerTrust(UNTRUSTED, f"no valid chain to the trust anchors: {exc}", code="chain")
    chain = tuple(c.subject.rfc4514_string() for c in verified.chain)
    if not _may_sign(cert):
        return SignerTrust(
            UNTRUSTED, "the signer's keyUsage allows neither digitalSignature nor nonRepudiation", chain, "usage"
        )
    revoked = _revocation(verified.chain, store.crls, at)
    if revoked is not None:
        return SignerTrust(revoked.status, revoked.reason, chain, revoked.code)
    return SignerTrust(TRUSTED, "", chain)


def store_from(extra: dict[str, object]) -> TrustStore | None:
    """The trust store a check context carries: `extra["trust"]` (validate --trust), else the
    scenario's `ca_bundle` and `crl` files; None when there is none."""
    given = extra.get("trust")
    if isinstance(given, TrustStore):
        return given
    bundle = extra.get("ca_bundle")
    if not bundle:
        return None
    crl = str(extra.get("crl") or "")
    try:
        stamps = tuple(Path(p).stat().st_mtime_ns for p in (str(bundle), crl) if p)
    except OSError:
        return None
    return _cached_store(str(bundle), crl, stamps)


@lru_cache(maxsize=8)
def _cached_store(bundle: str, crl: str, stamps: tuple[int, ...]) -> TrustStore | None:
    """A scenario's store, read once per file version (the test PKI renews its CRL in place)."""
    try:
        return TrustStore.load([bundle], [crl] if crl else [])
    except TrustError:
        return None
