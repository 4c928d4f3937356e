"""The test PKI: an IGC-Santé-shaped hierarchy, clearly marked TEST, cached on disk.

IGC-Santé has a root and an "élémentaire ORGANISATIONS" CA that issues the personne morale
certificates operators (SERV SSL) and establishments (ORG, multi-usage: MSSanté mutual TLS, DMP
structure certificate) use. The harness reproduces that shape so a DUI is configured exactly as
in production: a CA bundle, a CRL, and an ORG client certificate whose SAN e-mail is its BAL.
Around the good certificates sit the bad ones the transport scenarios need: a rogue CA, an expired
and a revoked server certificate.

Keys are RSA 2048 (what IGC-Santé issues, and what the "weak-cipher" variant needs: a static-RSA
suite such as AES128-SHA cannot be negotiated with an EC key). Generating the whole set takes about
half a second; `load_or_create` reuses a complete, unexpired set, so a run pays it once per cache.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from conformance import identities
from conformance.paths import user_cache

SCHEMA = "dui-conformance/test-pki/1"
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")  # id-kp-documentSigning (RFC 9336)
STRUCTURE_NAME = "TEST EHPAD ESSAI"
STRUCTURE_ID = "990000001"  # FINESS-like, synthetic: département 99 issues no FINESS number
RENEW_MARGIN = dt.timedelta(days=7)
CRL_LIFETIME = dt.timedelta(days=90)

# file name of every artefact, by attribute name
FILES = {
    "root_cert": "root-ca.pem",
    "root_key": "root-ca.key",
    "intermediate_cert": "org-ca.pem",
    "intermediate_key": "org-ca.key",
    "ca_bundle": "ca_bundle.pem",
    "crl": "crl.pem",
    "server_cert": "server.pem",
    "server_key": "server.key",
    "client_cert": "client.pem",
    "client_key": "client.key",
    "rogue_ca_cert": "rogue-ca.pem",
    "rogue_ca_key": "rogue-ca.key",
    "rogue_cert": "rogue-server.pem",
    "rogue_key": "rogue-server.key",
    "expired_cert": "expired-server.pem",
    "expired_key": "expired-server.key",
    "revoked_cert": "revoked-server.pem",
    "revoked_key": "revoked-server.key",
    "signing_cert": "signing.pem",
    "signing_key": "signing.key",
}
_VALID_LEAVES = (
    "server_cert",
    "client_cert",
    "rogue_cert",
    "revoked_cert",
    "signing_cert",
    "root_cert",
    "intermediate_cert",
    "rogue_ca_cert",
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _name(cn: str, o: str, ou: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, o)]
    if ou:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class _Issued:
    cert: x509.Certificate
    key: rsa.RSAPrivateKey


_NO_USAGE = dict.fromkeys(
    (
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    ),
    False,
)


def _usage(*names: str) -> x509.KeyUsage:
    return x509.KeyUsage(**{**_NO_USAGE, **dict.fromkeys(names, True)})


def _issue(
    name: x509.Name,
    issuer: _Issued | None,
    start: dt.datetime,
    end: dt.datetime,
    extensions: list[tuple[x509.ExtensionType, bool]],
) -> _Issued:
    """A certificate for a fresh key, signed by `issuer` (self-signed when None), with key identifiers."""
    key = _key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.cert.subject if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer:
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key())
        builder = builder.add_extension(aki, critical=False)
    for ext, critical in extensions:
        builder = builder.add_extension(ext, critical=critical)
    return _Issued(builder.sign(issuer.key if issuer else key, hashes.SHA256()), key)


def _ca(
    name: x509.Name, issuer: _Issued | None, start: dt.datetime, end: dt.datetime, path_length: int | None
) -> _Issued:
    return _issue(
        name,
        issuer,
        start,
        end,
        [
            (x509.BasicConstraints(ca=True, path_length=path_length), True),
            (_usage("digital_signature", "key_cert_sign", "crl_sign"), True),
        ],
    )


def _leaf(
    issuer: _Issued,
    name: x509.Name,
    san: list[x509.GeneralName],
    eku: list[ObjectIdentifier],
    start: dt.datetime,
    end: dt.datetime,
    *,
    signing: bool = False,
) -> _Issued:
    usage = ("digital_signature", "content_commitment" if signing else "key_encipherment")
    extensions: list[tuple[x509.ExtensionType, bool]] = [
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (_usage(*usage), True),
        (x509.ExtendedKeyUsage(eku), False),
    ]
    if san:
        extensions.append((x509.SubjectAlternativeName(san), False))
    return _issue(name, issuer, start, end, extensions)


def _crl(issuer: _Issued, revoked_serials: list[int], now: dt.datetime) -> x509.CertificateRevocationList:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.cert.subject)
        .last_update(now - dt.timedelta(hours=1))
        .next_update(now + CRL_LIFETIME)
        .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), False)
    )
    for serial in revoked_serials:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(now - dt.timedelta(hours=1))
            .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
            .build()
        )
    return builder.sign(issuer.key, hashes.SHA256())


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _load_crls(data: bytes) -> list[x509.CertificateRevocationList]:
    marker = b"-----BEGIN X509 CRL-----"
    return [x509.load_pem_x509_crl(marker + block) for block in data.split(marker)[1:]]


def _write(path: Path, data: bytes, private: bool = False) -> None:
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    tmp.write_bytes(data)
    if private:
        os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def pki_cache_dir() -> Path:
    """Where runs keep the test PKI between runs ($CONFORMANCE_PKI_DIR, else the user cache)."""
    return user_cache("pki", "CONFORMANCE_PKI_DIR")


@dataclass
class TestPKI:
    """Paths of the test PKI files, plus the parsed certificates when asked."""

    __test__ = False  # not a pytest test class, despite its name

    directory: Path
    bal: str
    revoked_serial: int
    _certs: dict[str, x509.Certificate] = field(default_factory=dict, repr=False, compare=False)

    def path(self, attr: str) -> Path:
        return self.directory / FILES[attr]

    def __getattr__(self, attr: str) -> Path:
        # ca_bundle, crl, server_cert, server_key, client_cert, ... (see FILES)
        if attr in FILES:
            return self.directory / FILES[attr]
        raise AttributeError(attr)

    def describe(self) -> dict[str, str]:
        return {attr: str(self.directory / name) for attr, name in FILES.items()}

    def certificate(self, attr: str) -> x509.Certificate:
        """The first certificate of a PEM file (the leaf for chain files)."""
        if attr not in self._certs:
            self._certs[attr] = x509.load_pem_x509_certificate(self.path(attr).read_bytes())
        return self._certs[attr]

    def private_key(self, attr: str) -> Any:
        return serialization.load_pem_private_key(self.path(attr).read_bytes(), password=None)

    def trust_anchor(self) -> x509.Certificate:
        return self.certificate("root_cert")

    def intermediates(self) -> list[x509.Certificate]:
        return [self.certificate("intermediate_cert")]

    @classmethod
    def load_or_create(cls, directory: Path, *, bal: str | None = None) -> TestPKI:
        """Reuse a complete, unexpired PKI in `directory`, refresh its CRLs if due, or build a new one.

        A new set is built aside and swapped in whole, so runs started together (the sensitivity
        suite runs several) never mix the keys of one set with the certificates of another.
        """
        directory = Path(directory)
        bal = bal or str(identities.dui_bal()["address"])
        existing = cls._load(directory, bal)
        if existing is not None:
            return existing
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}-new-", dir=directory.parent))
        try:
            cls._create(staging, bal)
            cls._publish(staging, directory, bal)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        made = cls._load(directory, bal)
        if made is None:
            raise RuntimeError(f"the test PKI in {directory} could not be created")
        return made

    @classmethod
    def _publish(cls, staging: Path, directory: Path, bal: str) -> None:
        ours = {*FILES.values(), "manifest.json"}
        for attempt in range(5):
            try:
                os.rename(staging, directory)  # atomic; replaces a missing or empty directory
                return
            except OSError:
                if cls._load(directory, bal) is not None:
                    return  # another run published a complete set meanwhile: use it
            entries = list(directory.iterdir()) if directory.is_dir() else []
            if any(e.name not in ours and ".tmp" not in e.name for e in entries):
                for name in ours:  # a folder holding other files: never moved, written in place
                    shutil.copy2(staging / name, directory / name)
                return
            aside = directory.with_name(f".{directory.name}-old-{os.getpid()}-{attempt}")
            with contextlib.suppress(FileNotFoundError):
                os.rename(directory, aside)
            shutil.rmtree(aside, ignore_errors=True)
        raise RuntimeError(f"could not replace the test PKI in {directory}")

    @classmethod
    def _load(cls, directory: Path, bal: str) -> TestPKI | None:
        manifest_path = directory / "manifest.json"
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if manifest.get("schema") != SCHEMA or manifest.get("bal") != bal:
            return None
        if not all((directory / name).is_file() for name in FILES.values()):
            return None
        pki = cls(directory, bal, int(manifest["revoked_serial"]))
        limit = _now() + RENEW_MARGIN
        try:
            if any(pki.certificate(a).not_valid_after_utc < limit for a in _VALID_LEAVES):
                return None
            crls = _load_crls(pki.crl.read_bytes())
        except ValueError:
            return None
        if len(crls) != 2 or any(c.next_update_utc is None or c.next_update_utc < limit for c in crls):
            pki._write_crls()
        return pki

    @classmethod
    def _create(cls, directory: Path, bal: str) -> TestPKI:
        directory.mkdir(parents=True, exist_ok=True)
        now = _now()
        day, year = dt.timedelta(days=1), dt.timedelta(days=365)
        ans, igc = "TEST AGENCE DU NUMERIQUE EN SANTE", "TEST IGC-SANTE"
        local = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
        valid = (now - day, now + 3 * year)

        root = _ca(_name("TEST IGC-SANTE RACINE ELEMENTAIRE", ans, igc), None, now - 5 * year, now + 15 * year, 1)
        org = _ca(
            _name("TEST AC IGC-SANTE ELEMENTAIRE ORGANISATIONS", ans, igc), root, now - 4 * year, now + 12 * year, 0
        )
        rogue_ca = _ca(
            _name("TEST AC HORS IGC-SANTE (ROGUE)", "TEST AUTORITE NON RECONNUE"), None, now - year, now + 10 * year, 0
        )

        def server(issuer: _Issued, ou: str, start: dt.datetime, end: dt.datetime) -> _Issued:
            subject = _name("localhost", "TEST OPERATEUR MSSANTE ESSAI", ou)
            return _leaf(issuer, subject, local, [ExtendedKeyUsageOID.SERVER_AUTH], start, end)

        client = _leaf(
            org,
            _name(bal, STRUCTURE_NAME, STRUCTURE_ID),
            [x509.RFC822Name(bal)],
            [ExtendedKeyUsageOID.CLIENT_AUTH],
            *valid,
        )
        signing = _leaf(
            org,
            _name("TEST CACHET DUI-CONFORMANCE", "TEST DUI-CONFORMANCE", STRUCTURE_ID),
            [],
            [DOCUMENT_SIGNING],
            *valid,
            signing=True,
        )
        issued = {  # name: (certificate and key, whether the file carries the ORG CA after the leaf)
            "root": (root, False),
            "intermediate": (org, False),
            "rogue_ca": (rogue_ca, False),
            "server": (server(org, "TEST SERV SSL", *valid), True),
            "client": (client, True),
            "rogue": (server(rogue_ca, "TEST SERV SSL USURPATEUR", *valid), False),
            "expired": (server(org, "TEST SERV SSL EXPIRE", now - 2 * year, now - 30 * day), True),
            "revoked": (server(org, "TEST SERV SSL REVOQUE", *valid), True),
            "signing": (signing, True),
        }
        for attr, (item, with_chain) in issued.items():
            chain = _pem(org.cert) if with_chain else b""
            _write(directory / FILES[f"{attr}_cert"], _pem(item.cert) + chain)
            _write(directory / FILES[f"{attr}_key"], _key_pem(item.key), private=True)
        _write(directory / FILES["ca_bundle"], _pem(root.cert) + _pem(org.cert))
        revoked_serial = issued["revoked"][0].cert.serial_number
        pki = cls(directory, bal, revoked_serial)
        pki._write_crls()
        manifest = {
            "schema": SCHEMA,
            "created": now.isoformat(),
            "bal": bal,
            "structure": STRUCTURE_NAME,
            "structure_id": STRUCTURE_ID,
            "revoked_serial": revoked_serial,
            "note": "TEST PKI of dui-conformance: never trust it outside a test run.",
        }
        _write(directory / "manifest.json", json.dumps(manifest, indent=2).encode("utf-8"))
        return pki

    def _write_crls(self) -> None:
        """One PEM file with the root's CRL and the ORG CA's CRL: clients may check the leaf or the chain."""
        now = _now()
        root = _Issued(self.certificate("root_cert"), self.private_key("root_key"))
        org = _Issued(self.certificate("intermediate_cert"), self.private_key("intermediate_key"))
        data = b"".join(
            c.public_bytes(serialization.Encoding.PEM)
            for c in (_crl(root, [], now), _crl(org, [self.revoked_serial], now))
        )
        _write(self.crl, data)
