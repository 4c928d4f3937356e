"""Signed certificates: counting policy, signature, verification, and tamper detection."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conformance.certificate.issue import issue_certificate
from conformance.certificate.payload import build_payload
from conformance.certificate.policy import load_policy
from conformance.certificate.sign import installation_signer, load_signer
from conformance.certificate.verify import verify_certificate
from conformance.cli import main
from conformance.engine.evidence import EvidenceJournal
from conformance.formats.pki import TestPKI


def _socle(verdict: str = "pass", exigence_verdict: str = "pass", outcome: str = "passed") -> dict[str, Any]:
    req = {
        "level": "EXIGENCE",
        "refs": ["ECO.2.4.3"],
        "verdict": exigence_verdict,
        "text_fr": "Le texte <b>",
        "title_en": "Text",
        "source": "Réf",
        "source_version": "1",
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
        "requirements": {"X-01": req},
    }


def _results(**socles: dict[str, Any]) -> dict[str, Any]:
    return {
        "schema": "dui-conformance/results/1",
        "run_id": "r1",
        "status": "complete",
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
    return tmp_path


@pytest.fixture
def signer_dir(tmp_path: Path) -> Path:
    return tmp_path / "signer"


def _issue(
    run_dir: Path, results: dict[str, Any], signer_dir: Path, monkeypatch: pytest.MonkeyPatch, **kw: Any
) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(signer_dir))
    return issue_certificate(run_dir, results, **kw)


def test_two_counting_socles_say_oui(run_dir: Path, signer_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _issue(run_dir, _results(mssante=_socle(), dmp=_socle()), signer_dir, monkeypatch)
    payload = json.loads((run_dir / "certificate.json").read_text())
    assert payload["at_least_two"] == {"verdict": True, "counting": ["dmp", "mssante"], "minimum": 2}
    html = path.read_text()
    assert 'id="two-socles">OUI<' in html and "AUTO-ATTESTÉ" in html
    assert verify_certificate(path, run_dir).valid


def test_a_failing_socle_does_not_count_and_says_why(
    run_dir: Path, signer_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _issue(run_dir, _results(mssante=_socle(), dmp=_socle("fail", "fail")), signer_dir, monkeypatch)
    payload = json.loads((run_dir / "certificate.json").read_text())
    assert payload["at_least_two"]["verdict"] is False
    assert payload["socles"]["dmp"]["counts"] is False
    assert any("X-01" in r for r in payload["socles"]["dmp"]["reasons_fr"])
    assert 'id="two-socles">NON<' in (run_dir / "certificate.html").read_text()


def test_artifact_mode_and_altered_evidence_never_count(
    run_dir: Path, signer_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = _results(mssante=_socle(), dmp=_socle())
    results["mode"] = "artifacts"
    policy = load_policy()
    signer = installation_signer(signer_dir)
    assert build_payload(results, run_dir, policy, signer)["at_least_two"]["verdict"] is False
    results["mode"] = "mock-services"
    first = sorted((run_dir / "evidence").glob("00001-*"))[0]
    first.write_bytes(b"altered")
    payload = build_payload(results, run_dir, policy, signer)
    assert payload["evidence"]["verified"] is False and payload["at_least_two"]["verdict"] is False
    assert any("evidence" in r for r in payload["socles"]["mssante"]["reasons_en"])


def test_every_flipped_byte_of_the_certificate_is_caught(
    run_dir: Path, signer_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _issue(run_dir, _results(mssante=_socle(), dmp=_socle()), signer_dir, monkeypatch)
    original = path.read_bytes()
    positions = random.Random(20261123).sample(range(len(original)), min(1000, len(original)))
    missed = []
    for pos in positions:
        data = bytearray(original)
        data[pos] ^= 0x01
        path.write_bytes(bytes(data))
        if verify_certificate(path).valid:
            missed.append(pos)
    path.write_bytes(original)
    assert not missed, f"flips not caught at {missed[:10]}"
    assert verify_certificate(path).valid


def test_every_flipped_byte_of_the_evidence_index_is_caught(
    run_dir: Path, signer_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _issue(run_dir, _results(mssante=_socle(), dmp=_socle()), signer_dir, monkeypatch)
    index = run_dir / "evidence" / "index.json"
    original = index.read_bytes()
    positions = random.Random(7).sample(range(len(original)), min(1000, len(original)))
    missed = []
    for pos in positions:
        data = bytearray(original)
        data[pos] ^= 0x01
        index.write_bytes(bytes(data))
        if verify_certificate(path, run_dir).valid:
            missed.append(pos)
    index.write_bytes(original)
    assert len(positions) == min(1000, len(original)) and not missed
    assert verify_certificate(path, run_dir).valid


def test_missing_or_altered_evidence_file(run_dir: Path, signer_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _issue(run_dir, _results(mssante=_socle()), signer_dir, monkeypatch)
    victim = sorted((run_dir / "evidence").glob("00002-*"))[0]
    victim.write_bytes(b"x")
    result = verify_certificate(path, run_dir)
    assert not result.valid and any("does not match its SHA-256" in p for p in result.problems)
    victim.unlink()
    assert any("missing" in p for p in verify_certificate(path, run_dir).problems)


def test_trusted_and_untrusted_signers(
    run_dir: Path, signer_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pki = TestPKI.load_or_create(tmp_path / "pki")
    path = _issue(
        run_dir, _results(mssante=_socle()), signer_dir, monkeypatch, key=pki.signing_key, cert=pki.signing_cert
    )
    assert "AUTO-ATTESTÉ" not in path.read_text()
    assert verify_certificate(path, trust=pki.root_cert).valid
    untrusted = verify_certificate(path, trust=pki.rogue_ca_cert)
    assert not untrusted.valid and any("does not chain to a trusted" in p for p in untrusted.problems)
    # self-attested certificates are never trusted by a CA
    auto = _issue(run_dir, _results(mssante=_socle()), signer_dir, monkeypatch)
    assert not verify_certificate(auto, trust=pki.root_cert).valid
    assert load_signer(pki.signing_key, pki.signing_cert).auto_attested is False


@pytest.mark.parametrize("content", [b"", b"<html><body>hello</body></html>", b"\xff\xfe garbage", b"<html"])
def test_not_a_certificate(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.html"
    path.write_bytes(content)
    result = verify_certificate(path)
    assert not result.valid and result.problems


def test_truncated_certificate(run_dir: Path, signer_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _issue(run_dir, _results(mssante=_socle()), signer_dir, monkeypatch)
    data = path.read_bytes()
    for cut in (10, len(data) // 2, len(data) - 10):
        path.write_bytes(data[:cut])
        assert not verify_certificate(path).valid


def test_cli_verify_and_report(run_dir: Path, signer_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(signer_dir))
    (run_dir / "results.json").write_text(json.dumps(_results(mssante=_socle(), dmp=_socle())))
    runner = CliRunner()
    built = runner.invoke(main, ["report", str(run_dir), "--lang", "en"])
    assert built.exit_code == 0, built.output
    assert (run_dir / "certificate.en.html").exists()
    assert "At least two services socles" in (run_dir / "certificate.en.html").read_text()
    ok = runner.invoke(main, ["verify", str(run_dir / "certificate.html"), "--evidence", str(run_dir)])
    assert ok.exit_code == 0 and ok.output.startswith("valid")
    html = run_dir / "certificate.html"
    html.write_text(html.read_text().replace("4.2.1", "4.2.2"))
    bad = runner.invoke(main, ["verify", str(html), "--json"])
    assert bad.exit_code == 1 and json.loads(bad.output)["valid"] is False


def test_evidence_zip_bundle(run_dir: Path, signer_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import zipfile

    path = _issue(run_dir, _results(mssante=_socle()), signer_dir, monkeypatch)
    bundle = run_dir / "evidence.zip"
    with zipfile.ZipFile(bundle) as zf:
        index = json.loads(zf.read("index.json"))
        assert {"path", "sha256", "size", "requirements"} <= set(index["entries"][0])
        assert len(zf.namelist()) == len(index["entries"]) + 1
    assert verify_certificate(path, bundle).valid
    # a second, altered copy of an entry is ambiguous: refused
    with zipfile.ZipFile(bundle, "a") as zf, pytest.warns(UserWarning):
        zf.writestr(index["entries"][0]["path"], b"forged")
    assert not verify_certificate(path, bundle).valid
    bundle.write_bytes(b"PK\x03\x04 truncated")
    assert not verify_certificate(path, bundle).valid
