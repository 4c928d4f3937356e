"""Sandbox profiles: where a real test platform is, which CA must vouch for it, with which credentials.

A profile is a TOML file per platform (examples in `profiles/sandboxes/`, documented in
docs/sandboxes.md). `[platform]` names it; each socle that runs against it has a table named after
the socle, with one sub-table per upstream connection its `Relay` declares:

    [platform]
    name = "platform-test"
    title_fr = "Environnement de test de la plateforme"
    source = "convention n° ..."

    [<socle>]
    signing_cert = "certs/cachet.pem"          # a key of the socle's own (Relay.files / Relay.texts)

    [<socle>.https]                            # an upstream its Relay declares
    url = "https://platform-test.example:443"
    ca = "certs/igc-sante-test.pem"            # the CA the platform's certificate must chain to
    fingerprint = "ab:cd:..."                  # optional: SHA-256 of the expected leaf certificate
    client_cert = "certs/vendor-auth.pem"      # the vendor's own test certificate (upstream leg)
    client_key = "certs/vendor-auth.key"

Relative paths are relative to the profile. Secrets (`password`, `password_env`, `password_file`)
are read into `Secret` objects whose repr hides them; `SandboxProfile.public()` is the only form of
a profile that reaches the evidence, results.json and the certificate, and it holds no path to a key
and no secret. Every problem is a `SandboxError` naming the file and the key (a usage error, exit 2).
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509

from conformance.engine.options import OptionError
from conformance.socle import Socle

PROTOCOLS = ("https", "smtp", "imap")
DEFAULT_PORTS = {("https", "implicit"): 443, ("smtp", "starttls"): 587, ("smtp", "implicit"): 465}
DEFAULT_PORTS |= {("imap", "starttls"): 143, ("imap", "implicit"): 993}
UPSTREAM_KEYS = frozenset(
    {"url", "host", "port", "tls", "ca", "server_name", "fingerprint", "client_cert", "client_key", "user"}
    | {"password", "password_env", "password_file"}
)
PLATFORM_KEYS = frozenset({"name", "title_fr", "title_en", "source", "verified"})
MAX_PROFILE = 256 * 1024


class SandboxError(OptionError):
    """A profile or a platform the run cannot use: the run stops before any scenario (exit 2)."""


@dataclass(frozen=True)
class Secret:
    """A credential from the profile. Its repr and str hide it; only `reveal()` gives it, to a client."""

    value: str = field(repr=False)
    source: str = "profile"  # "profile" | "env:NAME" | "file"

    def reveal(self) -> str:
        return self.value

    def __str__(self) -> str:
        return "***"


@dataclass(frozen=True)
class Upstream:
    """One connection a relay opens to the platform, and what its certificate must be."""

    socle: str
    name: str
    protocol: str  # https | smtp | imap
    host: str
    port: int
    tls: str  # implicit | starttls
    ca: Path
    server_name: str
    path: str = ""  # https: the base path of the platform's URL
    fingerprint: str = ""  # expected SHA-256 of the leaf certificate, lowercase hex without colons
    client_cert: Path | None = None
    client_key: Path | None = None
    user: str = ""
    password: Secret | None = None

    @property
    def endpoint(self) -> str:
        return f"{self.protocol}://{self.host}:{self.port}{self.path}"

    @property
    def label(self) -> str:
        return f"{self.socle}.{self.name}"

    def public(self) -> dict[str, Any]:
        """What may be shown: the endpoint, the expected CA and the vendor's certificate by fingerprint."""
        return {
            "upstream": self.label,
            "endpoint": self.endpoint,
            "tls": self.tls,
            "server_name": self.server_name,
            "expected_ca_sha256": [cert_sha256(c) for c in _pem_certs(self.ca)],
            "pinned_sha256": self.fingerprint or None,
            "client_certificate_sha256": cert_sha256(_pem_certs(self.client_cert)[0]) if self.client_cert else None,
            "user": self.user or None,
            "password": "provided" if self.password else None,
        }


@dataclass(frozen=True)
class Platform:
    """One socle's part of a profile: its upstreams and the values of its own keys."""

    socle: str
    upstreams: Mapping[str, Upstream]
    files: Mapping[str, Path] = field(default_factory=dict)
    texts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SandboxProfile:
    path: Path
    name: str
    title_fr: str
    title_en: str
    source: str
    verified: bool  # the profile's author says its facts were checked against the platform's own documents
    platforms: Mapping[str, Platform]

    def upstreams(self) -> list[Upstream]:
        return [u for p in self.platforms.values() for u in p.upstreams.values()]

    def public(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title_fr": self.title_fr,
            "title_en": self.title_en,
            "source": self.source,
            "verified": self.verified,
            "socles": sorted(self.platforms),
            "upstreams": [u.public() for u in self.upstreams()],
        }


def cert_sha256(cert: x509.Certificate) -> str:
    from cryptography.hazmat.primitives import serialization

    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def _pem_certs(path: Path | None) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(path.read_bytes()) if path else []


class _Reader:
    """Reads one profile, every error naming the file and the key."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.base = path.resolve().parent

    def fail(self, where: str, what: str) -> SandboxError:
        return SandboxError(f"--sandbox {self.path}: {where}: {what}")

    def table(self, data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
        value = data.get(key)
        if not isinstance(value, Mapping):
            raise self.fail(where, f"a [{key}] table is required")
        return value

    def text(self, data: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str:
        value = data.get(key, default)
        if not isinstance(value, str) or (default is None and not value.strip()):
            raise self.fail(f"{where}.{key}", "a non-empty string is required")
        return value.strip()

    def file(self, data: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> Path | None:
        if key not in data and not required:
            return None
        raw = self.text(data, key, where)
        path = Path(os.path.expanduser(raw))
        path = path if path.is_absolute() else self.base / path
        if not path.is_file():
            raise self.fail(f"{where}.{key}", f"no such file: {path}")
        return path

    def certificates(self, path: Path, where: str) -> None:
        try:
            if not _pem_certs(path):
                raise ValueError("no certificate")
        except ValueError as exc:
            raise self.fail(where, f"{path} holds no PEM certificate ({exc})") from exc

    def secret(self, data: Mapping[str, Any], where: str) -> Secret | None:
        given = [k for k in ("password", "password_env", "password_file") if k in data]
        if len(given) > 1:
            raise self.fail(where, f"give one of password, password_env, password_file (not {', '.join(given)})")
        if not given:
            return None
        key = given[0]
        if key == "password":
            return Secret(self.text(data, key, where), "profile")
        if key == "password_env":
            name = self.text(data, key, where)
            if not os.environ.get(name):
                raise self.fail(f"{where}.password_env", f"environment variable {name} is not set")
            return Secret(os.environ[name], f"env:{name}")
        path = self.file(data, key, where)
        assert path is not None
        return Secret(path.read_text(encoding="utf-8").strip(), "file")

    def upstream(self, socle: str, name: str, protocol: str, data: Mapping[str, Any]) -> Upstream:
        where = f"[{socle}.{name}]"
        unknown = sorted(set(data) - UPSTREAM_KEYS)
        if unknown:
            raise self.fail(where, f"unknown key {unknown[0]!r} (known: {', '.join(sorted(UPSTREAM_KEYS))})")
        path = ""
        if protocol == "https":
            url = urlsplit(self.text(data, "url", where))
            if url.scheme != "https" or not url.hostname:
                raise self.fail(f"{where}.url", "an https://host[:port][/path] URL is required")
            host, tls, path = url.hostname, "implicit", url.path.rstrip("/")
            try:
                port = url.port or 443
            except ValueError as exc:
                raise self.fail(f"{where}.url", str(exc)) from exc
        else:
            host = self.text(data, "host", where)
            tls = self.text(data, "tls", where, "starttls")
            if tls not in ("starttls", "implicit"):
                raise self.fail(f"{where}.tls", "'starttls' or 'implicit'")
            port = data.get("port", DEFAULT_PORTS[(protocol, tls)])
            if not isinstance(port, int) or not 0 < port < 65536:
                raise self.fail(f"{where}.port", "a TCP port number is required")
        ca = self.file(data, "ca", where)
        assert ca is not None
        self.certificates(ca, f"{where}.ca")
        cert, key = (
            self.file(data, "client_cert", where, required=False),
            self.file(data, "client_key", where, required=False),
        )
        if (cert is None) != (key is None):
            raise self.fail(where, "client_cert and client_key go together")
        if cert is not None:
            self.certificates(cert, f"{where}.client_cert")
        pin = self.text(data, "fingerprint", where, "").replace(":", "").lower()
        if pin and (len(pin) != 64 or any(c not in "0123456789abcdef" for c in pin)):
            raise self.fail(f"{where}.fingerprint", "the SHA-256 of a certificate, 64 hex digits (colons allowed)")
        return Upstream(
            socle,
            name,
            protocol,
            host,
            int(port),
            tls,
            ca,
            self.text(data, "server_name", where, host) or host,
            path,
            pin,
            cert,
            key,
            self.text(data, "user", where, ""),
            self.secret(data, where),
        )

    def platform(self, socle: Socle, data: Mapping[str, Any]) -> Platform:
        relay = socle.relay
        if relay is None:
            raise self.fail(f"[{socle.name}]", f"socle {socle.name} has no recording relay: it cannot run in a sandbox")
        known = set(relay.upstreams) | set(relay.files) | set(relay.texts)
        unknown = sorted(set(data) - known)
        if unknown:
            raise self.fail(f"[{socle.name}]", f"unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})")
        upstreams = {}
        for name, protocol in relay.upstreams.items():
            if protocol not in PROTOCOLS:
                raise SandboxError(f"socle {socle.name}: relay upstream {name} has unknown protocol {protocol!r}")
            upstreams[name] = self.upstream(socle.name, name, protocol, self.table(data, name, f"[{socle.name}]"))
        files = {k: p for k in relay.files if (p := self.file(data, k, f"[{socle.name}]", required=False))}
        texts = {k: self.text(data, k, f"[{socle.name}]") for k in relay.texts if k in data}
        return Platform(socle.name, upstreams, files, texts)


def read_profile(path: Path, socles: Iterable[Socle]) -> SandboxProfile:
    """The profile at `path`, for the socles of the run (each must have its table and a relay)."""
    reader = _Reader(Path(path))
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise SandboxError(f"--sandbox {path}: cannot read the profile ({exc.strerror})") from exc
    if len(raw) > MAX_PROFILE:
        raise SandboxError(f"--sandbox {path}: larger than {MAX_PROFILE} bytes, not a profile")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SandboxError(f"--sandbox {path}: not a TOML profile ({exc})") from exc
    head = reader.table(data, "platform", "profile")
    unknown = sorted(set(head) - PLATFORM_KEYS)
    if unknown:
        raise reader.fail("[platform]", f"unknown key {unknown[0]!r} (known: {', '.join(sorted(PLATFORM_KEYS))})")
    name = reader.text(head, "name", "[platform]")
    platforms = {}
    for socle in socles:
        if socle.name not in data:
            raise reader.fail(
                "profile", f"no [{socle.name}] table: this platform cannot be used for socle {socle.name}"
            )
        platforms[socle.name] = reader.platform(socle, reader.table(data, socle.name, "profile"))
    return SandboxProfile(
        Path(path),
        name,
        reader.text(head, "title_fr", "[platform]", name) or name,
        reader.text(head, "title_en", "[platform]", name) or name,
        reader.text(head, "source", "[platform]", ""),
        bool(head.get("verified", False)),
        platforms,
    )
