"""The one adapter to certificate verification: trust levels, evidence, and files that are not certificates."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conformance.dossier.certificates import check_certificate, find_certificates
from conformance.formats.pki import TestPKI
from tests.dossier.helpers import issue


def test_auto_attested_with_verified_evidence(certs: Path) -> None:
    path = issue(certs / "a", "4.2.1")
    check = check_certificate(path, "a/certificate.html")
    assert (check.trust, check.evidence, check.problems) == ("auto-attested", "verified", [])
    assert (check.solution, check.version, check.complete) == ("DUI Essai", "4.2.1", True)
    assert sorted(check.counted(("mssante", "dmp", "eprescription"))) == ["dmp", "mssante"]
    assert check.rejudge == "unavailable" and len(check.sha256) == 64


def test_witnessed_untrusted_and_rogue(certs: Path, tmp_path: Path) -> None:
    pki = TestPKI.load_or_create(tmp_path / "pki")
    path = issue(certs / "w", "4.2.1", key=pki.signing_key, cert=pki.signing_cert)
    assert check_certificate(path, "w", trust=pki.root_cert).trust == "witnessed"
    assert check_certificate(path, "w").trust == "untrusted"  # nobody said whom to trust
    assert check_certificate(path, "w", trust=pki.rogue_ca_cert).trust == "untrusted"
    auto = issue(certs / "a", "4.2.1")
    assert check_certificate(auto, "a", trust=pki.root_cert).trust == "auto-attested"


def test_altered_certificate_and_altered_evidence(certs: Path) -> None:
    path = issue(certs / "a", "4.2.1")
    evidence = next((certs / "a" / "evidence").glob("00001-*"))
    evidence.write_bytes(b"altered")
    check = check_certificate(path, "a")
    assert check.trust == "auto-attested" and check.evidence == "altered" and check.evidence_problems
    path.write_text(path.read_text(encoding="utf-8").replace("4.2.1", "4.2.9"), encoding="utf-8")
    assert check_certificate(path, "a").trust == "invalid"


def test_evidence_zip_beside_the_certificate(certs: Path) -> None:
    path = issue(certs / "a", "4.2.1")
    shutil.rmtree(certs / "a" / "evidence")
    assert (certs / "a" / "evidence.zip").is_file()
    assert check_certificate(path, "a").evidence == "verified"
    (certs / "a" / "evidence.zip").unlink()
    assert check_certificate(path, "a").evidence == "absent"


def test_folder_scan(certs: Path) -> None:
    issue(certs / "a", "4.2.1", langs=("fr", "en"))  # the English copy is the same certificate
    issue(certs / "b", "5.0")
    (certs / "notes.html").write_text("<html><body>compte rendu</body></html>", encoding="utf-8")
    (certs / "scan.pdf").write_bytes(b"%PDF-1.4")  # not HTML: not a candidate
    altered = certs / "c" / "certificate.html"
    altered.parent.mkdir()
    altered.write_text((certs / "b" / "certificate.html").read_text(encoding="utf-8").replace("5.0", "5.1"))
    found = find_certificates(certs)
    assert sorted(c.version for c in found.checks) == ["4.2.1", "5.0"]
    assert sorted(found.by_name) == [
        "a/certificate.en.html", "a/certificate.html", "b/certificate.html", "c/certificate.html", "notes.html"
    ]  # fmt: skip
    assert [(p.source, p.key) for p in found.problems] == [
        ("c/certificate.html", "certificate-invalid"),
        ("notes.html", "certificate-not-certificate"),
    ]


def test_evidence_folders_and_links_are_not_walked(certs: Path, tmp_path: Path) -> None:
    issue(certs / "a", "4.2.1")
    (certs / "a" / "evidence" / "page.html").write_text("<html></html>")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.html").write_text("<html></html>")
    (certs / "link").symlink_to(outside)
    (certs / "file-link.html").symlink_to(outside / "x.html")
    found = find_certificates(certs)
    assert sorted(found.by_name) == ["a/certificate.html"] and found.problems == []


def test_oversized_and_special_files_are_not_read(certs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import conformance.dossier.certificates as adapter

    issue(certs / "a", "4.2.1")
    os.mkfifo(certs / "pipe.html")  # reading it would block forever
    monkeypatch.setattr(adapter, "MAX_CERTIFICATE_BYTES", 1000)
    found = find_certificates(certs)
    assert found.checks == []
    assert {name: c.problems for name, c in found.by_name.items()} == {
        "a/certificate.html": [
            f"larger than any certificate ({(certs / 'a' / 'certificate.html').stat().st_size} bytes)"
        ],
        "pipe.html": ["not a regular file"],
    }
