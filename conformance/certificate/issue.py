"""Issue the certificate of a run: payload, signature, HTML (and its twin JSON files)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from conformance.certificate.payload import build_payload
from conformance.certificate.policy import load_policy
from conformance.certificate.render import write_certificate_files
from conformance.certificate.sign import Signer, SigningError, installation_signer, load_signer, sign_payload
from conformance.engine.evidence import write_evidence_zip


def signer_from(key: str | Path | None, cert: str | Path | None, crls: tuple[Path, ...] = ()) -> Signer:
    """--sign-key/--sign-cert (PEM pair, or a PKCS#12 file as key) with --sign-crl; else the installation key."""
    if key is None:
        if crls:
            raise SigningError("--sign-crl embeds the CRLs of a signing key's chain: give --sign-key too")
        return installation_signer()
    password = os.environ.get("CONFORMANCE_SIGN_PASSWORD")
    return load_signer(Path(key), Path(cert) if cert else None, password.encode() if password else None, crls)


def issue_certificate(
    run_dir: Path,
    results: dict[str, Any],
    *,
    policy: str | Path | None = None,
    key: str | Path | None = None,
    cert: str | Path | None = None,
    crls: tuple[Path, ...] = (),
    witness: str = "",
    langs: tuple[str, ...] = ("fr",),
) -> Path:
    """Sign and write the certificate of `run_dir`. A witness (a third party who ran the harness against the
    vendor's DUI) signs with its own key: `witness` without `key` is refused (SigningError)."""
    if witness and key is None:
        raise SigningError("--witness: a witness signs with its own key (--sign-key), not the installation's")
    signer = signer_from(key, cert, crls)
    if (Path(run_dir) / "evidence" / "index.json").exists():
        write_evidence_zip(Path(run_dir) / "evidence", Path(run_dir) / "evidence.zip")
    payload = build_payload(results, Path(run_dir), load_policy(Path(policy) if policy else None), witness=witness)
    envelope = sign_payload(payload, signer)
    paths = [write_certificate_files(Path(run_dir), payload, envelope, lang) for lang in langs]
    return paths[0]
