"""Issue the certificate of a run: payload, signature, HTML (and its twin JSON files)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from conformance.certificate.payload import build_payload
from conformance.certificate.policy import load_policy
from conformance.certificate.render import write_certificate_files
from conformance.certificate.sign import Signer, installation_signer, load_signer, sign_payload
from conformance.engine.evidence import write_evidence_zip


def signer_from(key: str | Path | None, cert: str | Path | None) -> Signer:
    """--sign-key/--sign-cert (PEM pair, or a PKCS#12 file as key); else the installation key."""
    if key is None:
        return installation_signer()
    password = os.environ.get("CONFORMANCE_SIGN_PASSWORD")
    return load_signer(Path(key), Path(cert) if cert else None, password.encode() if password else None)


def issue_certificate(
    run_dir: Path,
    results: dict[str, Any],
    *,
    policy: str | Path | None = None,
    key: str | Path | None = None,
    cert: str | Path | None = None,
    langs: tuple[str, ...] = ("fr",),
) -> Path:
    signer = signer_from(key, cert)
    if (Path(run_dir) / "evidence" / "index.json").exists():
        write_evidence_zip(Path(run_dir) / "evidence", Path(run_dir) / "evidence.zip")
    payload = build_payload(results, Path(run_dir), load_policy(Path(policy) if policy else None), signer)
    envelope = sign_payload(payload, signer)
    paths = [write_certificate_files(Path(run_dir), payload, envelope, lang) for lang in langs]
    return paths[0]
