"""What the certificate tests share: real runs, a vendor's DUI that names itself, keys a forger would use.

`AcmeDui` is what a vendor's python driver is once it names its own software: the reference DUI's
behaviour under the identity "ACME DUI 3.2.1". `Forge` mints, under the test PKI's ORG CA, the keys of
the issue's "What was found" list (a revoked or expired cachet, a leaf under a CA:FALSE client certificate).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from conformance.certificate.payload import build_payload
from conformance.certificate.policy import load_policy
from conformance.certificate.render import write_certificate_files
from conformance.certificate.sign import DOCUMENT_SIGNING, Signer, load_signer, sign_payload
from conformance.demo import DemoDriver
from conformance.formats.pki import TestPKI
from conformance.identity import Software

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]
ACME = Software("ACME DUI", "3.2.1", "ACME-HOMOL-0001")
ACME_OPTIONS = ("--solution-name", "ACME DUI", "--solution-version", "3.2.1", "--solution-vendor", "ACME Santé")


class AcmeDui(DemoDriver):
    """A vendor's DUI: the reference behaviour, its own name in every exchange."""

    software = ACME


class AcmeDuiMissingNil(AcmeDui):
    """The same DUI with one defect: it omits X-MSS-NIL (MSS-MSG-06 fails)."""

    def __init__(self) -> None:
        super().__init__("missing-nil")


def conformance(*args: str | Path, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run(
        [str(BIN / "conformance"), *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env, cwd=REPO
    )


def run(out: Path, dui: str, *options: str | Path) -> Path:
    done = conformance("run", "--dui", dui, "--out", out, *options)
    assert (out / "certificate.html").exists(), done.stdout[-2000:] + done.stderr[-2000:]
    return out


def copy_run(run_dir: Path, to: Path) -> Path:
    shutil.copytree(run_dir, to)
    return to


def reissue(run_dir: Path, by: Signer, *, when: dt.datetime | None = None, **payload_changes: Any) -> Path:
    """The certificate of `run_dir` signed by `by` (at `when`), its payload changed as given."""
    results = json.loads((run_dir / "results.json").read_text(encoding="utf-8"))
    payload = build_payload(results, run_dir, load_policy())
    payload.update(payload_changes)
    envelope = sign_payload(payload, by, when)
    return write_certificate_files(run_dir, payload, envelope)


@dataclass
class Forge:
    """Keys a hostile vendor would try, issued under the test PKI's ORG CA."""

    pki: TestPKI
    directory: Path

    def _org(self) -> tuple[x509.Certificate, Any]:
        return self.pki.certificate("intermediate_cert"), self.pki.private_key("intermediate_key")

    def leaf(
        self,
        name: str,
        *,
        issuer: tuple[x509.Certificate, Any] | None = None,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        eku: list[x509.ObjectIdentifier] | None = None,
    ) -> tuple[Any, x509.Certificate]:
        issuer_cert, issuer_key = issuer or self._org()
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, name)]))
            .issuer_name(issuer_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start or now - dt.timedelta(days=1))
            .not_valid_after(end or now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage(eku or [DOCUMENT_SIGNING]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
        )
        return key, builder.sign(issuer_key, hashes.SHA256())

    def signer(self, key: Any, chain: list[x509.Certificate], crls: tuple[Path, ...] = ()) -> Signer:
        stem = self.directory / f"k{len(list(self.directory.iterdir()))}"
        (stem.with_suffix(".key")).write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        (stem.with_suffix(".pem")).write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain))
        return load_signer(stem.with_suffix(".key"), stem.with_suffix(".pem"), crls=crls)

    def crl_revoking(self, cert: x509.Certificate, reason: x509.ReasonFlags = x509.ReasonFlags.key_compromise) -> Path:
        org, key = self._org()
        now = dt.datetime.now(dt.UTC)
        crl = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(org.subject)
            .last_update(now - dt.timedelta(minutes=10))
            .next_update(now + dt.timedelta(days=30))
            .add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(cert.serial_number)
                .revocation_date(now - dt.timedelta(minutes=10))
                .add_extension(x509.CRLReason(reason), critical=False)
                .build()
            )
            .sign(key, hashes.SHA256())
        )
        path = self.directory / f"crl-{cert.serial_number}.pem"
        path.write_bytes(crl.public_bytes(serialization.Encoding.PEM))
        return path
