"""`conformance kit`: the PKI of the runs as PEM and PKCS#12, a Java truststore, the settings, a README in French."""

from __future__ import annotations

import json
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from conformance.formats.pki import TestPKI, pki_cache_dir
from tests.cli.conftest import Invoke

SPKI = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo


def test_the_kit_holds_what_a_dui_needs(cli: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "kit"
    result = cli("kit", out, "--port", "operator.smtp=2587")
    assert result.exit_code == 0, result.output
    pki = TestPKI.load_or_create(pki_cache_dir())
    assert (out / "client.pem").read_bytes() == pki.path("client_cert").read_bytes()  # the runs' own PKI
    for name, leaf in (("client.p12", "client_cert"), ("signing.p12", "signing_cert")):
        key, cert, chain = pkcs12.load_key_and_certificates((out / name).read_bytes(), b"essai")
        assert key is not None and cert is not None and len(chain) == 1
        assert cert == pki.certificate(leaf) and key.public_key().public_bytes(*SPKI) == cert.public_key().public_bytes(
            *SPKI
        )
    trusted = pkcs12.load_pkcs12((out / "truststore.p12").read_bytes(), b"essai")
    assert trusted.key is None and {c.certificate for c in trusted.additional_certs} == set(
        x509.load_pem_x509_certificates(pki.path("ca_bundle").read_bytes())
    )
    settings = json.loads((out / "settings.json").read_text())
    assert settings["mssante"]["smtp_port"] == 2587 and settings["mssante"]["imap_port"] == 10143
    assert settings["dmp"]["url"] == "https://127.0.0.1:10443/dmp/xdsb/ProvideAndRegisterDocumentSet-b"
    assert settings["eprescription"]["base_url"] == "https://127.0.0.1:10444/fhir"
    assert settings["dmp"]["client_cert"] == str((out / "client.pem").resolve())
    readme = (out / "README.md").read_text()
    assert (
        "Kit de connexion" in readme
        and "`127.0.0.1:2587`" in readme
        and "Mot de passe des fichiers PKCS#12 : `essai`" in readme
    )
    assert "Mock" not in readme  # French titles, not the services' English ones


def test_the_kit_never_writes_into_a_foreign_folder(cli: Invoke, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    result = cli("kit", tmp_path)
    assert result.exit_code == 2 and "holds no kit" in result.output
    assert cli("kit", tmp_path / "kit", "--port", "nope=1").exit_code == 2
