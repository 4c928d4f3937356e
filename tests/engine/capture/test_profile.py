"""Sandbox profiles: what a platform is, read with every problem named, secrets kept out of the public form."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.engine.capture.profile import SandboxError, Secret, read_profile
from conformance.socle import get_socle
from tests.engine.capture.helpers import LoopbackPlatform

REPO = Path(__file__).resolve().parents[3]

SOCLES = [get_socle("mssante"), get_socle("dmp"), get_socle("eprescription")]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_profile_is_read_with_paths_relative_to_it(platform: LoopbackPlatform, profile: Path) -> None:
    read = read_profile(profile, SOCLES)
    assert read.name == "loopback" and sorted(read.platforms) == ["dmp", "eprescription", "mssante"]
    smtp = read.platforms["mssante"].upstreams["smtp"]
    assert (smtp.protocol, smtp.tls, smtp.server_name) == ("smtp", "starttls", "localhost")
    assert read.platforms["eprescription"].upstreams["https"].path == "/fhir"
    assert read.platforms["dmp"].files["signing_cert"] == platform.pki.signing_cert


def test_only_the_selected_socles_need_a_table(tmp_path: Path, platform: LoopbackPlatform) -> None:
    path = platform.profile(tmp_path / "p.toml")
    text = path.read_text().split("[eprescription]")[0]
    assert sorted(read_profile(write(tmp_path, text), SOCLES[:2]).platforms) == ["dmp", "mssante"]
    with pytest.raises(SandboxError, match=r"no \[eprescription\] table"):
        read_profile(write(tmp_path, text), SOCLES)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('name = "loopback"', ""), r"\[platform\].name: a non-empty string is required"),
        (("title_en", 'colour = "blue"\ntitle_en'), r"\[platform\]: unknown key 'colour'"),
        (('server_name = "localhost"', 'server_nam = "localhost"'), r"\[mssante.smtp\]: unknown key 'server_nam'"),
        (("ca = ", 'ca = "absent.pem"\n# ca = '), r"\[mssante.smtp\].ca: no such file: .*absent.pem"),
        (('url = "https://localhost', 'url = "http://localhost'), r"\[dmp.https\].url: an https://"),
        (("port = ", "port = 99999\n# port = "), r"\[mssante.smtp\].port: a TCP port number is required"),
        (("client_key = ", "# client_key = "), r"client_cert and client_key go together"),
        (("[dmp]\n", '[dmp]\nfingerprint = "x"\n'), r"\[dmp\]: unknown key 'fingerprint'"),
    ],
)
def test_every_problem_names_its_file_and_key(
    tmp_path: Path, platform: LoopbackPlatform, change: tuple[str, str], message: str
) -> None:
    text = platform.profile(tmp_path / "good.toml").read_text().replace(*change, 1)
    with pytest.raises(SandboxError, match=message) as caught:
        read_profile(write(tmp_path, text), SOCLES)
    assert str(tmp_path / "p.toml") in str(caught.value)


def test_not_a_profile(tmp_path: Path) -> None:
    with pytest.raises(SandboxError, match="not a TOML profile"):
        read_profile(write(tmp_path, "[platform\nname="), SOCLES)
    with pytest.raises(SandboxError, match="cannot read the profile"):
        read_profile(tmp_path / "absent.toml", SOCLES)
    with pytest.raises(SandboxError, match=r"a \[platform\] table is required"):
        read_profile(write(tmp_path, "[mssante]\n"), SOCLES)


def test_a_socle_without_relay_cannot_run_in_a_sandbox(tmp_path: Path) -> None:
    from dataclasses import replace

    relayless = replace(get_socle("dmp"), relay=None)
    with pytest.raises(SandboxError, match="socle dmp has no recording relay"):
        read_profile(write(tmp_path, '[platform]\nname = "x"\n[dmp]\n'), [relayless])


def test_a_pinned_fingerprint_is_sha256(tmp_path: Path, platform: LoopbackPlatform) -> None:
    text = platform.profile(tmp_path / "good.toml").read_text()
    bad = text.replace("[dmp.https]\n", '[dmp.https]\nfingerprint = "12:34"\n')
    with pytest.raises(SandboxError, match="64 hex digits"):
        read_profile(write(tmp_path, bad), SOCLES)
    good = text.replace("[dmp.https]\n", f'[dmp.https]\nfingerprint = "{"AB:" * 31}AB"\n')
    assert read_profile(write(tmp_path, good), SOCLES).platforms["dmp"].upstreams["https"].fingerprint == "ab" * 32


def test_secrets_never_reach_the_public_form(
    tmp_path: Path, platform: LoopbackPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = platform.profile(tmp_path / "good.toml").read_text()
    secret_file = tmp_path / "imap.secret"
    secret_file.write_text("file-secret-8d1\n")
    monkeypatch.setenv("SANDBOX_SMTP_PASSWORD", "env-secret-4f2")
    text = text.replace("[mssante.smtp]\n", '[mssante.smtp]\nuser = "bal@x"\npassword_env = "SANDBOX_SMTP_PASSWORD"\n')
    text = text.replace("[mssante.imap]\n", f'[mssante.imap]\nuser = "bal@x"\npassword_file = "{secret_file}"\n')
    text = text.replace("[dmp.https]\n", '[dmp.https]\nuser = "u"\npassword = "literal-secret-9c7"\n')
    read = read_profile(write(tmp_path, text), SOCLES)
    ups = read.platforms
    assert ups["mssante"].upstreams["smtp"].password == Secret("env-secret-4f2", "env:SANDBOX_SMTP_PASSWORD")
    assert ups["mssante"].upstreams["imap"].password.reveal() == "file-secret-8d1"  # type: ignore[union-attr]
    shown = json.dumps(read.public()) + repr(read) + str(ups["dmp"].upstreams["https"].password)
    for secret in ("env-secret-4f2", "file-secret-8d1", "literal-secret-9c7"):
        assert secret not in shown
    assert str(platform.pki.client_key) not in json.dumps(read.public())  # no path to a key either
    both = text.replace('password = "literal-secret-9c7"', 'password = "a"\npassword_env = "B"')
    with pytest.raises(SandboxError, match="give one of password, password_env, password_file"):
        read_profile(write(tmp_path, both), SOCLES)
    monkeypatch.delenv("SANDBOX_SMTP_PASSWORD")
    with pytest.raises(SandboxError, match="SANDBOX_SMTP_PASSWORD is not set"):
        read_profile(write(tmp_path, text), SOCLES)


@pytest.mark.parametrize(
    "example", sorted((REPO / "profiles" / "sandboxes").glob("*.toml.example")), ids=lambda p: p.name
)
def test_the_shipped_templates_are_profiles(example: Path, tmp_path: Path) -> None:
    """Filled in with certificate files, each template reads: its keys are the relays' keys."""
    import re

    from conformance.formats.pki import TestPKI, pki_cache_dir

    pki = TestPKI.load_or_create(pki_cache_dir())
    text = re.sub(r'"certs/[^"]+\.pem"', f'"{pki.client_cert}"', example.read_text())
    text = re.sub(r'"certs/[^"]+\.key"', f'"{pki.client_key}"', text)
    read = read_profile(write(tmp_path, text), [s for s in SOCLES if f"[{s.name}]" in text])
    assert read.platforms and not read.verified and all(u.ca.is_file() for u in read.upstreams())
