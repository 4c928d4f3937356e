"""Signed certificates on synthetic results: tamper detection, evidence bundle, counting, bad input.

Fast: no run. The results are shaped as results.json is (schema 2) for the real catalogs' ids.
"""

from __future__ import annotations

import json
import random
import zipfile
from pathlib import Path
from typing import Any

import pytest

from conformance.certificate.issue import issue_certificate
from conformance.certificate.payload import build_payload
from conformance.certificate.policy import REGISTERED, load_policy, run_blockers
from conformance.certificate.sign import SigningError, installation_signer, is_auto_attestation, load_signer
from conformance.certificate.trust import INVALID, NOT_TRUSTED, VALID, TrustError, load_anchors
from conformance.certificate.verify import verify_certificate
from conformance.engine.evidence import EvidenceJournal
from conformance.formats.pki import TestPKI


def _socle(verdict: str = "pass", exigence_verdict: str = "pass", outcome: str = "passed") -> dict[str, Any]:
    req = {
        "level": "EXIGENCE",
        "refs": ["ECO.2.4.3"],
        "verdict": exigence_verdict,
        "text_fr": "Le texte <b> (UNSURE)",
        "title_en": "Text",
        "source": "Référentiel socle MSSanté #2 (specs/mssante.md)",
        "source_version": "1.0.1 (18/01/2024)",
        "checked": True,
        "not_checked_reason": "",
        "unsure": False,
        "evidence": ["ab" * 32],
        "tests": [],
        "findings": [],
    }
    return {
        "title_fr": "Socle é",
        "title_en": "Socle",
        "catalog_version": "1",
        "verdict": verdict,
        "counts": {},
        "scenarios": [{"title": "Scénario", "outcome": outcome}],
        "requirements": {"MSS-MSG-01": req},
    }


def _results(**socles: dict[str, Any]) -> dict[str, Any]:
    return {
        "schema": "dui-conformance/results/2",
        "run_id": "r1",
        "status": "complete",
        "progress": {"done": len(socles), "total": len(socles)},
        "selection": {"keyword": None, "deselected": 0},
        "started": "2026-11-23T10:00:00Z",
        "finished": "2026-11-23T10:00:05Z",
        "solution": {"name": "DUI Essai", "version": "4.2.1", "vendor": "Éditeur"},
        "harness": {"version": "0.1.0", "git_commit": None},
        "driver": "demo",
        "mode": "mock-services",
        "rule_sets": [],
        "socles": socles,
    }


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    journal = EvidenceJournal(tmp_path / "evidence")
    for i in range(5):
        journal.record("message", f"m{i}.eml", f"message {i}".encode())
    journal.close()
    (tmp_path / "results.json").write_text("{}")
    (tmp_path / "junit.xml").write_text("<testsuites/>")
    return tmp_path


@pytest.fixture
def signed(run_dir: Path, pki: TestPKI) -> Path:
    return issue_certificate(
        run_dir, _results(mssante=_socle(), dmp=_socle()), key=pki.signing_key, cert=pki.signing_cert
    )


def test_the_shipped_policy_is_registered() -> None:
    policy = load_policy()
    assert policy.registered and REGISTERED[policy.sha256] == f"{policy.id} {policy.version}"


def test_no_identity_observed_counts_nothing_and_says_why(run_dir: Path) -> None:
    payload = build_payload(_results(mssante=_socle(), dmp=_socle()), run_dir, load_policy())
    assert payload["solution"]["status"] == "not-observed" and payload["at_least_two"]["verdict"] is False
    assert any("aucun échange ne désigne" in r for r in payload["socles"]["dmp"]["reasons_fr"])
    assert [b["code"] for b in payload["blockers"]] == ["identity-not-observed"]


def test_run_blockers() -> None:
    assert run_blockers(True, "identified") == []
    assert [b.code for b in run_blockers(False, "demo")] == ["partial-run", "demo-dui"]
    assert [b.code for b in run_blockers(True, "not-declared")] == ["solution-not-declared"]


def test_the_certificate_covers_results_and_junit(run_dir: Path) -> None:
    payload = build_payload(_results(mssante=_socle()), run_dir, load_policy())
    assert set(payload["files"]) == {"results.json", "junit.xml"} and all(payload["files"].values())


def test_every_flipped_byte_of_the_certificate_is_caught(signed: Path, pki: TestPKI) -> None:
    anchors = load_anchors(pki.root_cert)
    assert verify_certificate(signed, anchors=anchors).status == VALID
    original = signed.read_bytes()
    positions = random.Random(20261123).sample(range(len(original)), min(1000, len(original)))
    missed = []
    for pos in positions:
        data = bytearray(original)
        data[pos] ^= 0x01
        signed.write_bytes(bytes(data))
        if verify_certificate(signed, anchors=anchors).status != INVALID:
            missed.append(pos)
    signed.write_bytes(original)
    assert not missed, f"flips not caught at {missed[:10]}"


def test_every_flipped_byte_of_the_evidence_index_is_caught(signed: Path, run_dir: Path, pki: TestPKI) -> None:
    anchors = load_anchors(pki.root_cert)
    index = run_dir / "evidence" / "index.json"
    original = index.read_bytes()
    positions = random.Random(7).sample(range(len(original)), min(1000, len(original)))
    missed = []
    for pos in positions:
        data = bytearray(original)
        data[pos] ^= 0x01
        index.write_bytes(bytes(data))
        if verify_certificate(signed, run_dir, anchors).status != INVALID:
            missed.append(pos)
    index.write_bytes(original)
    assert not missed
    assert verify_certificate(signed, run_dir, anchors).status == VALID


def test_missing_or_altered_evidence_file(signed: Path, run_dir: Path) -> None:
    victim = sorted((run_dir / "evidence").glob("00002-*"))[0]
    victim.write_bytes(b"x")
    result = verify_certificate(signed, run_dir)
    assert result.status == INVALID and any("does not match its SHA-256" in p for p in result.problems)
    victim.unlink()
    assert any("missing" in p for p in verify_certificate(signed, run_dir).problems)


def test_trusted_untrusted_and_auto_attested_signers(run_dir: Path, signed: Path, pki: TestPKI) -> None:
    assert "AUTO-ATTESTÉ" not in signed.read_text()
    assert verify_certificate(signed, anchors=load_anchors(pki.root_cert)).status == VALID
    other = verify_certificate(signed, anchors=load_anchors(pki.rogue_ca_cert))
    assert other.status == NOT_TRUSTED and any("does not chain" in r for r in other.signer.reasons)  # type: ignore[union-attr]
    assert verify_certificate(signed).status == NOT_TRUSTED  # no anchors: nobody vouches
    auto = issue_certificate(run_dir, _results(mssante=_socle()))
    assert "AUTO-ATTESTÉ" in auto.read_text()
    assert verify_certificate(auto, anchors=load_anchors(pki.root_cert)).status == NOT_TRUSTED
    assert is_auto_attestation(installation_signer().chain[0])
    assert not is_auto_attestation(load_signer(pki.signing_key, pki.signing_cert).chain[0])


def test_a_directory_of_anchors_and_unreadable_ones(pki: TestPKI, tmp_path: Path) -> None:
    folder = tmp_path / "anchors"
    folder.mkdir()
    (folder / "root.pem").write_bytes(pki.root_cert.read_bytes())
    (folder / "rogue.crt").write_bytes(pki.rogue_ca_cert.read_bytes())
    (folder / "notes.txt").write_text("ignored")
    assert len(load_anchors(folder)) == 2
    (folder / "broken.pem").write_text("-----BEGIN CERTIFICATE-----\nxx\n-----END CERTIFICATE-----\n")
    with pytest.raises(TrustError):
        load_anchors(folder)


def test_a_signing_key_that_is_not_the_certificates(pki: TestPKI) -> None:
    with pytest.raises(SigningError):
        load_signer(pki.client_key, pki.signing_cert)


@pytest.mark.parametrize("content", [b"", b"<html><body>hello</body></html>", b"\xff\xfe garbage", b"<html"])
def test_not_a_certificate(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.html"
    path.write_bytes(content)
    result = verify_certificate(path)
    assert result.status == INVALID and result.problems


def test_truncated_certificate(signed: Path) -> None:
    data = signed.read_bytes()
    for cut in (10, len(data) // 2, len(data) - 10):
        signed.write_bytes(data[:cut])
        assert verify_certificate(signed).status == INVALID


def test_evidence_zip_bundle(signed: Path, run_dir: Path, pki: TestPKI) -> None:
    anchors = load_anchors(pki.root_cert)
    bundle = run_dir / "evidence.zip"
    with zipfile.ZipFile(bundle) as zf:
        index = json.loads(zf.read("index.json"))
        assert {"path", "sha256", "size", "requirements", "role", "time"} <= set(index["entries"][0])
        assert len(zf.namelist()) == len(index["entries"]) + 1
    result = verify_certificate(signed, bundle, anchors)
    assert result.status == VALID and any("results.json and junit.xml not checked" in n for n in result.notes)
    with zipfile.ZipFile(bundle, "a") as zf, pytest.warns(UserWarning):  # a second, altered copy: ambiguous
        zf.writestr(index["entries"][0]["path"], b"forged")
    assert verify_certificate(signed, bundle, anchors).status == INVALID
    bundle.write_bytes(b"PK\x03\x04 truncated")
    assert verify_certificate(signed, bundle, anchors).status == INVALID


def test_an_evidence_index_pointing_outside_the_folder(signed: Path, run_dir: Path, tmp_path: Path) -> None:
    secret = tmp_path.parent / "outside.txt"
    secret.write_text("secret")
    index = run_dir / "evidence" / "index.json"
    data = json.loads(index.read_text())
    data["entries"][0]["path"] = "../../outside.txt"
    index.write_text(json.dumps(data))
    result = verify_certificate(signed, run_dir)
    assert result.status == INVALID and any("not a plain file name" in p for p in result.problems)
