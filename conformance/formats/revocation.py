"""Certificate path validation with revocation, as a relying party does it (RFC 5280 §6, CRLs of §5).

signxml and the TLS stacks check that a signer or a client chains to the trust anchors; none of
them reads a CRL unless told to. A national service does: a VIHF signed by a revoked cachet
certificate, or a TLS client whose certificate was revoked, is refused. This module asks OpenSSL
(through pyOpenSSL's X509Store, not a hand-written walk) to validate the path at a given time
with every CRL of the bundle checked (CRL_CHECK_ALL: the leaf's and each CA's), and says why a
path fails, in OpenSSL's words.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

from cryptography import x509

_CRL_MARKER = b"-----BEGIN X509 CRL-----"


def load_crls(data: bytes) -> list[x509.CertificateRevocationList]:
    """Every PEM CRL of a bundle (a file with several CRLs, as the test PKI publishes them)."""
    return [x509.load_pem_x509_crl(_CRL_MARKER + block) for block in data.split(_CRL_MARKER)[1:]]


@lru_cache(maxsize=16)
def _crls(path: str, mtime: float) -> tuple[x509.CertificateRevocationList, ...]:
    return tuple(load_crls(Path(path).read_bytes()))


def path_problem(
    cert: x509.Certificate, ca_bundle: str | Path, crl_file: str | Path | None, at: dt.datetime | None = None
) -> str | None:
    """Why `cert` does not validate against `ca_bundle` (with the CRLs of `crl_file`), or None when it does.
    Paths as well as strings: a check context read back from the evidence gives the recorded files as Paths."""
    from OpenSSL import crypto

    store = crypto.X509Store()
    store.load_locations(ca_bundle)
    if crl_file:
        path = Path(crl_file)
        try:
            crls = _crls(str(path), path.stat().st_mtime)
        except (OSError, ValueError) as exc:
            return f"the revocation list {path.name} cannot be read: {exc}"
        for crl in crls:
            store.add_crl(crl)
        store.set_flags(crypto.X509StoreFlags.CRL_CHECK | crypto.X509StoreFlags.CRL_CHECK_ALL)
    store.set_time(at or dt.datetime.now(dt.UTC))
    try:
        crypto.X509StoreContext(store, crypto.X509.from_cryptography(cert)).verify_certificate()
    except crypto.X509StoreContextError as exc:
        return str(exc)
    return None


def is_revoked(problem: str | None) -> bool:
    """Whether OpenSSL's reason is a revocation (not an expiry, an unknown issuer...)."""
    return problem is not None and "revoked" in problem.lower()
