"""`conformance kit DIR`: everything a vendor needs to point a DUI test instance at the mock services.

The kit holds the test PKI of the runs (the same files `conformance serve` and `conformance run` use,
so a DUI configured once from the kit works with both), each certificate with its key as PEM and as
PKCS#12, a Java truststore of the test IGC-Santé CA, the settings sections of the driver protocol
(`settings.json`, the services on their fixed ports) and a README in French.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from jinja2 import Environment, StrictUndefined

from conformance.formats.pki import TestPKI, pki_cache_dir
from conformance.socle import Service, get_socle, resolve
from conformance.templates import environment

DEFAULT_P12_PASSWORD = "essai"  # a test PKI: the password only keeps Java and Windows tools happy
PEM_FILES = ("ca_bundle", "crl", "client_cert", "client_key", "signing_cert", "signing_key")


@dataclass(frozen=True)
class KitService:
    socle: str
    service: Service
    ports: Mapping[str, int]


def p12_bytes(pki: TestPKI, cert_attr: str, key_attr: str, name: str, password: str) -> bytes:
    """One certificate of the test PKI with its key and chain, as a PKCS#12 file."""
    chain = x509.load_pem_x509_certificates(pki.path(cert_attr).read_bytes())
    key = pki.private_key(key_attr)
    encryption = serialization.BestAvailableEncryption(password.encode())
    return pkcs12.serialize_key_and_certificates(name.encode(), key, chain[0], chain[1:] or None, encryption)


def truststore_bytes(pki: TestPKI, password: str) -> bytes:
    """The test CA bundle as a Java truststore (PKCS#12 trusted certificate entries)."""
    cas = x509.load_pem_x509_certificates(pki.path("ca_bundle").read_bytes())
    entries = [pkcs12.PKCS12Certificate(c, c.subject.rfc4514_string().encode()) for c in cas]
    return pkcs12.serialize_java_truststore(entries, serialization.BestAvailableEncryption(password.encode()))


def write_kit(out: Path, services: Sequence[KitService], host: str, password: str = DEFAULT_P12_PASSWORD) -> Path:
    """Write the kit in `out` (created); the path of its README."""
    out.mkdir(parents=True, exist_ok=True)
    pki = TestPKI.load_or_create(pki_cache_dir())
    files: dict[str, str] = {}
    for attr in PEM_FILES:
        target = out / pki.path(attr).name
        shutil.copyfile(pki.path(attr), target)
        files[attr] = str(target.resolve())
    (out / "client.p12").write_bytes(p12_bytes(pki, "client_cert", "client_key", "client", password))
    (out / "signing.p12").write_bytes(p12_bytes(pki, "signing_cert", "signing_key", "signing", password))
    (out / "truststore.p12").write_bytes(truststore_bytes(pki, password))
    settings: dict[str, Any] = {}
    for item in services:
        if item.service.describe:
            settings[item.socle] = resolve(item.service.describe)(host, dict(item.ports), files)
    (out / "settings.json").write_text(json.dumps(settings, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    client = x509.load_pem_x509_certificate(pki.path("client_cert").read_bytes())
    signing = x509.load_pem_x509_certificate(pki.path("signing_cert").read_bytes())
    readme = (
        _environment()
        .get_template("kit-README.md.j2")
        .render(
            services=services,
            titles={item.socle: get_socle(item.socle).title_fr for item in services},
            settings=settings,
            host=host,
            password=password,
            pki_dir=pki.directory,
            client_subject=client.subject.rfc4514_string(),
            signing_subject=signing.subject.rfc4514_string(),
            valid_until=client.not_valid_after_utc.date().isoformat(),
            ports=" ".join(f"--port {i.service.name}.{n}={p}" for i in services for n, p in i.ports.items()),
        )
    )
    path = out / "README.md"
    path.write_text(readme, encoding="utf-8")
    return path


def _environment() -> Environment:
    return environment(
        "conformance.engine",
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # Markdown, not HTML
    )
