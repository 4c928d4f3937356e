"""Before any scenario: the driver is loaded and greeted, the run folder and the signing key checked.

A mistake found here is a usage error (exit 2) worded in one line in the console's language, with no
run folder left behind and no certificate: `--dui bogus`, `python:nope:X`, `demo:nope` or an address
where no driver bridge listens are told in seconds, not after a run of failed scenarios.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance.drivers.base import Driver, DriverError
from conformance.engine.console import M, console_lang
from conformance.engine.options import OptionError
from conformance.engine.request import RunRequest
from conformance.messages import MessageError, Text

RUN_MARKERS = ("results.json", "certificate.html", "certificate.json", "junit.xml", "evidence")


class PreflightError(OptionError):
    """A usage error found before the run started; `text` says it in both languages, `key` names it."""

    def __init__(self, text: Text, key: str = "") -> None:
        super().__init__(text.en)
        self.text = text
        self.key = key


def problem(key: str, **params: Any) -> PreflightError:
    return PreflightError(M.text(key, **params), key)


def driver_problem(exc: DriverError) -> PreflightError:
    """A DriverError worded by its key when it has one, else by its own (English) text."""
    if exc.key:
        try:
            return problem(exc.key, **exc.params)
        except MessageError:
            pass
    return problem("dui-failed", reason=str(exc))


def load_driver(spec: str, socles: Sequence[str], lang: str = "fr") -> Driver:
    """Load the `--dui` driver and greet it (`hello(harness)` when the driver has one)."""
    from conformance.drivers.registry import load

    try:
        driver = load(spec)
        hello = getattr(driver, "hello", None)
        if callable(hello):
            hello({"name": "dui-conformance", "version": __version__, "socles": list(socles), "lang": lang})
    except DriverError as exc:
        raise driver_problem(exc) from exc
    return driver


def check_out(out: Path, force: bool) -> bool:
    """The run folder: a new or empty folder, or an old run with --force (True: remove it once all is well)."""
    if out.is_file():
        raise problem("out-is-file", path=out)
    if not out.is_dir() or not any(out.iterdir()):
        return False
    if not any((out / name).exists() for name in RUN_MARKERS):
        raise problem("out-not-empty", path=out)
    if not force:
        raise problem("out-exists", path=out)
    return True


def check_policy(path: Path | None) -> None:
    from conformance.certificate.policy import PolicyError, load_policy

    try:
        load_policy(path)
    except PolicyError as exc:
        raise problem("policy-unreadable", reason=str(exc)) from exc


def preflight(request: RunRequest) -> Driver:
    """Everything a run needs checked before its folder exists; the loaded and greeted driver."""
    assert request.out is not None
    replace = check_out(request.out, request.force)
    check_signing(request.signing.key, request.signing.cert)
    check_policy(request.policy)
    driver = load_driver(request.dui, request.socles, console_lang(request.langs))
    if replace:
        shutil.rmtree(request.out)
    return driver


def check_signing(key: Path | None, cert: Path | None) -> None:
    """Every `--sign-key`/`--sign-cert` mistake named before anything is signed (see certificate/sign.py)."""
    if key is None:
        if cert is not None:
            raise problem("sign-cert-without-key")
        return
    import os

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.hazmat.primitives.serialization import pkcs12

    secret = os.environ.get("CONFORMANCE_SIGN_PASSWORD")
    password = secret.encode() if secret else None
    data = Path(key).read_bytes()
    if b"-----BEGIN" not in data:
        if cert is not None:
            raise problem("sign-pkcs12-with-cert", path=key)
        if not data.startswith(b"\x30"):
            raise problem("sign-key-unreadable", path=key)
        try:
            private, leaf, _ = pkcs12.load_key_and_certificates(data, password)
        except ValueError:
            raise problem("sign-key-password", path=key) from None
        if private is None or leaf is None:
            raise problem("sign-pkcs12-incomplete", path=key)
        chain_source = key
    else:
        if b"PRIVATE KEY-----" not in data:
            raise problem("sign-key-is-certificate" if b"CERTIFICATE-----" in data else "sign-key-unreadable", path=key)
        if cert is None:
            raise problem("sign-pem-key-without-cert", path=key)
        try:
            private = serialization.load_pem_private_key(data, password)
        except TypeError:  # encrypted without a password, or a password for a clear key
            raise problem("sign-key-password" if b"ENCRYPTED" in data else "sign-key-unreadable", path=key) from None
        except ValueError:
            raise problem("sign-key-password" if b"ENCRYPTED" in data else "sign-key-unreadable", path=key) from None
        try:
            chain = x509.load_pem_x509_certificates(Path(cert).read_bytes())
        except ValueError:
            raise problem("sign-cert-unreadable", path=cert) from None
        leaf = chain[0]
        chain_source = cert
    if not isinstance(private, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise problem("sign-key-type", path=key)
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if private.public_key().public_bytes(*spki) != leaf.public_key().public_bytes(*spki):
        raise problem("sign-mismatch", path=chain_source)
    now = dt.datetime.now(dt.UTC)
    if not leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc:
        raise problem(
            "sign-expired",
            subject=leaf.subject.rfc4514_string(),
            start=leaf.not_valid_before_utc.date().isoformat(),
            end=leaf.not_valid_after_utc.date().isoformat(),
        )
