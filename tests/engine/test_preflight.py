"""The preflight: every mistake in the run folder or the signing options is named before anything runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from conformance.engine.preflight import PreflightError, check_out, check_signing


def _pair(
    tmp: Path, name: str, *, days: int = 30, start_days: int = -1
) -> tuple[Path, Path, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"TEST SIGNER {name}")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + dt.timedelta(days=start_days))
        .not_valid_after(now + dt.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = tmp / f"{name}.key", tmp / f"{name}.pem"
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path, key


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Path]:
    good_key, good_cert, key = _pair(tmp_path, "good")
    other_key, other_cert, _ = _pair(tmp_path, "other")
    _, expired_cert, _ = _pair(tmp_path, "old", days=-1, start_days=-10)
    expired_key = tmp_path / "old.key"
    encrypted = tmp_path / "encrypted.key"
    encrypted.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret"),
        )
    )
    cert = x509.load_pem_x509_certificate(good_cert.read_bytes())
    p12 = tmp_path / "signer.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(b"s", key, cert, None, serialization.BestAvailableEncryption(b"secret"))
    )
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01 not a key")
    return {
        "key": good_key,
        "cert": good_cert,
        "other_cert": other_cert,
        "other_key": other_key,
        "expired_cert": expired_cert,
        "expired_key": expired_key,
        "encrypted": encrypted,
        "p12": p12,
        "junk": junk,
    }


@pytest.mark.parametrize(
    ("key", "cert", "password", "expected"),
    [
        (None, "cert", None, "sign-cert-without-key"),
        ("key", None, None, "sign-pem-key-without-cert"),
        ("cert", "cert", None, "sign-key-is-certificate"),
        ("encrypted", "cert", None, "sign-key-password"),
        ("encrypted", "cert", "wrong", "sign-key-password"),
        ("p12", None, None, "sign-key-password"),
        ("p12", None, "wrong", "sign-key-password"),
        ("p12", "cert", "secret", "sign-pkcs12-with-cert"),
        ("junk", None, None, "sign-key-unreadable"),
        ("key", "key", None, "sign-cert-unreadable"),
        ("key", "other_cert", None, "sign-mismatch"),
        ("expired_key", "expired_cert", None, "sign-expired"),
    ],
)
def test_every_signing_mistake_is_named(
    keys: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    key: str | None,
    cert: str | None,
    password: str | None,
    expected: str,
) -> None:
    if password:
        monkeypatch.setenv("CONFORMANCE_SIGN_PASSWORD", password)
    else:
        monkeypatch.delenv("CONFORMANCE_SIGN_PASSWORD", raising=False)
    with pytest.raises(PreflightError) as caught:
        check_signing(keys[key] if key else None, keys[cert] if cert else None)
    assert caught.value.key == expected
    assert caught.value.text.fr and caught.value.text.en and "PKCS12 data" not in caught.value.text.en


def test_good_signing_options_pass(keys: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONFORMANCE_SIGN_PASSWORD", raising=False)
    check_signing(None, None)
    check_signing(keys["key"], keys["cert"])
    monkeypatch.setenv("CONFORMANCE_SIGN_PASSWORD", "secret")
    check_signing(keys["encrypted"], keys["cert"])
    check_signing(keys["p12"], None)


def test_the_run_folder(tmp_path: Path) -> None:
    assert check_out(tmp_path / "new", force=False) is False
    (tmp_path / "empty").mkdir()
    assert check_out(tmp_path / "empty", force=False) is False
    (tmp_path / "file").write_text("x")
    with pytest.raises(PreflightError) as caught:
        check_out(tmp_path / "file", force=True)
    assert caught.value.key == "out-is-file"
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "results.json").write_text("{}")
    with pytest.raises(PreflightError) as caught:
        check_out(tmp_path / "run", force=False)
    assert caught.value.key == "out-exists"
    assert check_out(tmp_path / "run", force=True) is True
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("my own file")
    with pytest.raises(PreflightError) as caught:
        check_out(tmp_path / "mine", force=True)  # never removes a folder that holds no run
    assert caught.value.key == "out-not-empty"


def test_report_names_the_signing_mistake(keys: dict[str, Path], tmp_path: Path) -> None:
    """The issue's case: `report --sign-key K` without `--sign-cert` said "Could not deserialize PKCS12 data"."""
    from click.testing import CliRunner

    from conformance.cli import main

    result = CliRunner().invoke(main, ["report", str(tmp_path), "--sign-key", str(keys["key"])])
    assert result.exit_code == 2 and "--sign-key" in result.output and "--sign-cert" in result.output
    assert "PKCS12 data" not in result.output and "est une clé PEM" in result.output
