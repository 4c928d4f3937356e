"""The badge says what its certificate says and nothing else; `--check` catches any edit."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from conformance.dossier.badge import COLOURS, BadgeError, check_badge, facts, render_badge
from conformance.dossier.certificates import short_label
from conformance.formats.pki import TestPKI
from tests.dossier.helpers import issue

SVG = "{http://www.w3.org/2000/svg}"


def test_badge_content_and_link(certs: Path) -> None:
    cert = issue(certs / "a", "4.2.1", counting=("mssante", "dmp"))
    f = facts(cert)
    assert (f.solution, f.version, f.state, f.signature) == ("DUI Essai", "4.2.1", "ok", "auto-attestée")
    svg = render_badge(f, "https://editeur.example/attestations/certificate.html")
    root = etree.fromstring(svg)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts[1] == "2 comptés : Essai · Essai"  # the synthetic socles are both "Service d'essai (Essai)"
    assert f"DUI Essai 4.2.1 · {f.date} · auto-attestée" in texts
    assert f"attestation {f.certificate_id[:8]} · SHA-256 {f.sha256[:16]}" in texts
    assert root.find(f"{SVG}a").get("href") == "https://editeur.example/attestations/certificate.html"
    assert root.find(f"{SVG}metadata").get("data-certificate-sha256") == f.sha256
    assert svg == render_badge(facts(cert), "https://editeur.example/attestations/certificate.html")  # deterministic
    assert check_badge(svg, cert) == []


def test_colour_follows_the_count(certs: Path) -> None:
    one = facts(issue(certs / "one", "1", counting=("mssante",), failing=("dmp",)))
    none = facts(issue(certs / "none", "0", counting=(), failing=("mssante", "dmp")))
    assert (one.state, none.state) == ("partial", "none")
    assert COLOURS["partial"].encode() in render_badge(one, "x") and b"0 compt" in render_badge(none, "x")


def test_signer_shown_when_not_auto_attested(certs: Path, tmp_path: Path) -> None:
    pki = TestPKI.load_or_create(tmp_path / "pki")
    cert = issue(certs / "s", "4.2.1", key=pki.signing_key, cert=pki.signing_cert)
    assert facts(cert).signature.startswith("signée par ") and "auto" not in facts(cert).signature


def test_edited_or_foreign_badges_fail_the_check(certs: Path) -> None:
    a = issue(certs / "a", "4.2.1", counting=("mssante", "dmp"))
    b = issue(certs / "b", "4.2.1", counting=("mssante", "dmp"))
    svg = render_badge(facts(a), "certificate.html")
    for edited in (svg.replace(b"2 compt", b"3 compt"), svg.replace(b"4.2.1", b"4.3.0"), svg + b"\n"):
        assert check_badge(edited, a)
    assert check_badge(svg, b)  # another certificate of the same version: another id and fingerprint
    a.write_text(a.read_text(encoding="utf-8").replace("DUI Essai", "DUI Autre"), encoding="utf-8")
    assert "not a valid certificate" in check_badge(svg, a)[0]


@pytest.mark.parametrize(
    "svg",
    [
        b"",
        b"not xml",
        b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg>&x;</svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>no link</text></svg>',
    ],
)
def test_hostile_or_foreign_svg_is_a_problem_not_a_crash(certs: Path, svg: bytes) -> None:
    cert = issue(certs / "a", "4.2.1")
    problems = check_badge(svg, cert)
    assert problems and "passwd" not in problems[0] and "root:" not in problems[0]


def test_no_badge_for_an_invalid_certificate_or_altered_evidence(certs: Path) -> None:
    cert = issue(certs / "a", "4.2.1")
    next((certs / "a" / "evidence").glob("00001-*")).write_bytes(b"altered")
    with pytest.raises(BadgeError, match="evidence"):
        facts(cert)
    (certs / "x.html").write_text("<html></html>")
    with pytest.raises(BadgeError, match="not a valid certificate"):
        facts(certs / "x.html")


def test_short_labels() -> None:
    assert short_label("mssante", "Messagerie sécurisée de santé (MSSanté)") == "MSSanté"
    assert short_label("eprescription", "Ordonnance numérique (e-prescription)") == "e-prescription"
    assert short_label("dmp", "Dossier Médical Partagé / Mon espace santé (alimentation IHE XDS.b)") == "DMP"
    assert short_label("x", "") == "X"
