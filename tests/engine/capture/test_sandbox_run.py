"""`conformance run --sandbox`: the suites through the recording relays, chained to the mocks as the platform.

The platform is the harness's own mock services with an independent PKI (helpers.LoopbackPlatform): the
DUI trusts only the harness's CA and the platform only its own, so a run that passes went through two
TLS sessions per exchange. Runs are child processes, like a user's.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from conformance import identities
from conformance.engine.capture.profile import cert_sha256
from conformance.formats.pki import TestPKI, pki_cache_dir
from tests.engine.capture.helpers import LOOPBACK_PROFILE, LoopbackPlatform

BIN = Path(sys.executable).parent


def run(*args: str | Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "conformance"), "run", *map(str, args)], capture_output=True, text=True, timeout=timeout
    )


def journal(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (folder / "journal.jsonl").read_text().splitlines()]


@pytest.mark.requirements("MSS-TLS-01", "MSS-MSG-01", "MSS-RCV-01", "MSS-ACK-03", "DMP-T01", "DMP-V02", "DMP-H01")
def test_acceptance_mssante_and_dmp_through_the_relay_chained_to_the_mocks(tmp_path: Path) -> None:
    """The issue's acceptance command, on the loopback profile shipped with the tests."""
    data = tomllib.loads(LOOPBACK_PROFILE.read_text())
    dmp_port = int(data["dmp"]["https"]["url"].rsplit(":", 1)[1].split("/")[0])
    ports = {"smtp": data["mssante"]["smtp"]["port"], "imap": data["mssante"]["imap"]["port"], "dmp": dmp_port}
    out = tmp_path / "run"
    with LoopbackPlatform(tmp_path / "platform", ("mssante", "dmp"), ports=ports) as platform:
        proc = run("--socle", "mssante", "--socle", "dmp", "--sandbox", LOOPBACK_PROFILE, "--dui", "demo", "--out", out)
        inbox = platform.services["mssante"].mailbox(str(identities.dui_bal()["address"])).snapshot()
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    results = json.loads((out / "results.json").read_text())
    assert results["mode"] == "sandbox" and results["platform"]["name"] == "loopback"
    assert {s: results["socles"][s]["verdict"] for s in ("mssante", "dmp")} == {
        "mssante": "pass",
        "dmp": "pass-with-warnings",  # as against the mocks (DMP-C05 warns on the demo's PDF)
    }
    ran = Counter(s["outcome"] for socle in results["socles"].values() for s in socle["scenarios"])
    assert ran["passed"] >= 80 and ran["failed"] == ran["error"] == 0

    # both legs in the evidence: the DUI's certificate on its leg, the vendor's on the platform's
    ours, theirs = TestPKI.load_or_create(pki_cache_dir()), platform.pki
    mine = journal(out / "evidence")
    kinds = Counter(e["kind"] for e in mine)
    assert kinds["upstream-smtp-session"] and kinds["upstream-imap-session"] and kinds["smtp-session"]
    feeds = [e for e in mine if e["kind"] == "dmp-request"]
    assert {e["meta"]["dui_certificate_sha256"] for e in feeds} == {cert_sha256(ours.certificate("client_cert"))}
    assert {e["meta"]["relay_certificate_sha256"] for e in feeds} == {cert_sha256(theirs.certificate("client_cert"))}
    assert {e["meta"]["upstream_certificate_sha256"] for e in feeds} == {cert_sha256(theirs.certificate("server_cert"))}
    legs = [
        json.loads((out / "evidence" / e["path"]).read_text()) for e in mine if e["kind"] == "upstream-smtp-session"
    ]
    assert {leg["certificate_sha256"] for leg in legs} == {cert_sha256(theirs.certificate("server_cert"))}
    commands = [c["command"] for leg in legs for c in leg["commands"]]
    assert any(c.startswith("MAIL FROM:<") for c in commands) and any(c.startswith("DATA (") for c in commands)

    # the bytes the platform received are the bytes the DUI sent
    received = journal(tmp_path / "platform")
    for kind in ("message", "dmp-request"):
        sent = {e["sha256"] for e in mine if e["kind"] == kind}
        assert sent and sent <= {e["sha256"] for e in received if e["kind"] == kind}, kind
    # what the DUI did to its mailbox reached the platform's (read receipts processed, messages seen)
    assert inbox and any("\\Seen" in m.flags for m in inbox)

    html = (out / "certificate.html").read_text()
    assert "bac à sable" in html and "(loopback)" in html and "smtp://127.0.0.1:25587" in html
    assert "observés avec une plateforme de test réelle, à travers le relais enregistreur" in html  # not "simulés"
    seen_as_a_person(out / "certificate.html")

    # who said what: the DUI's requests, the platform's answers and the relay's sessions with it, never judged
    # as the DUI's; and the certificate's verdicts re-judged from this evidence alone, every one confirmed
    roles = {(e["kind"], e["role"]) for e in mine}
    assert {("dmp-request", "dui"), ("dmp-response", "platform"), ("upstream-smtp-session", "platform")} <= roles
    check = subprocess.run(
        [
            str(BIN / "conformance"),
            "verify",
            str(out / "certificate.html"),
            "--evidence",
            str(out),
            "--rejudge",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    said = json.loads(check.stdout)
    assert check.returncode == 3 and said["status"] == "intact, signer not trusted", said  # the installation key
    stated = sum(len(s["requirements"]) for s in results["socles"].values())
    assert said["rejudge"]["confirmed"] == stated and not said["rejudge"]["contradicted"], said["rejudge"]
    # the evidence validation judges what the DUI sent, never what the platform answered
    validated = subprocess.run(
        [str(BIN / "conformance"), "validate", str(out), "--json"], capture_output=True, text=True, timeout=900
    )
    entries = json.loads(validated.stdout)
    assert validated.returncode == 0 and entries and not [e for e in entries if e["verdict"] == "fail"]
    assert not {e["kind"] for e in entries} & {"dmp-response", "upstream-smtp-session", "upstream-imap-session"}


def seen_as_a_person(html: Path) -> None:
    """Page 1 of the certificate, printed by Chromium, names the sandbox and its endpoints."""
    import os

    from pypdf import PdfReader

    from conformance.certificate.browser import find_browser, print_pdf, screenshot

    if find_browser() is None:
        return  # Chromium absent: the HTML assertions above stand alone
    page1 = " ".join(PdfReader(str(print_pdf(html, html.with_suffix(".pdf")))).pages[0].extract_text().split())
    assert "bac à sable (plateforme de test réelle" in page1 and "loopback" in page1, page1[:2000]
    assert "https://localhost:25443" in page1
    if os.environ.get("CONFORMANCE_UPDATE_DOCS"):
        screenshot(html, Path(__file__).resolve().parents[3] / "docs" / "sandbox-certificate.png", height=900)


def test_an_unreachable_platform_stops_the_run_before_any_scenario(tmp_path: Path) -> None:
    with LoopbackPlatform(tmp_path / "platform", ("dmp",), pki_dir=tmp_path / "pki") as platform:
        profile = platform.profile(tmp_path / "p.toml")
    proc = run("--socle", "dmp", "--sandbox", profile, "--out", tmp_path / "run", timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "sandbox dmp.https: https://localhost:" in proc.stdout + proc.stderr and "unreachable" in proc.stderr
    assert not (tmp_path / "run").exists()  # no run folder, no certificate


def test_a_platform_not_vouched_for_by_the_profile_stops_the_run(platform: LoopbackPlatform, tmp_path: Path) -> None:
    harness_ca = str(TestPKI.load_or_create(pki_cache_dir()).ca_bundle)
    profile = platform.profile(tmp_path / "p.toml")
    profile.write_text(profile.read_text().replace(f'ca = "{platform.pki.ca_bundle}"', f'ca = "{harness_ca}"'))
    proc = run("--socle", "eprescription", "--sandbox", profile, "--out", tmp_path / "run", timeout=120)
    assert proc.returncode == 2 and "does not match the profile" in proc.stderr, proc.stdout + proc.stderr
    assert not (tmp_path / "run").exists()


def test_eprescription_through_its_relay(platform: LoopbackPlatform, profile: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = run("--socle", "eprescription", "--sandbox", profile, "--out", out)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    results = json.loads((out / "results.json").read_text())["socles"]["eprescription"]
    not_run = [s for s in results["scenarios"] if s.get("not_run")]
    assert {s["name"] for s in not_run} == {
        "test_refusal_is_reported[letters-in-rpps]",
        "test_refusal_is_reported[truncated-rpps]",
    }
    assert not_run[0]["not_run"]["fr"].startswith("non exécuté en bac à sable : nécessite que le service refuse")
    posted = {e["sha256"] for e in journal(out / "evidence") if e["kind"] == "fhir"}
    assert posted <= {e["sha256"] for e in journal(platform.journal.root) if e["kind"] == "fhir"}


@pytest.mark.parametrize(
    ("defect", "requirement", "keyword"),
    [
        ("accept-rogue-ca", "MSS-TLS-05", "untrustworthy and rogue"),
        ("receipts-ignored", "MSS-ACK-03", "correlated"),
        ("no-message-id", "MSS-MSG-01", "message_headers"),
        ("dmp-tls-any-issuer", "DMP-H01", "untrusted"),
        ("xds-wrong-hash", "DMP-X04", "n1 and X04"),
    ],
)
def test_seeded_defects_are_still_caught_through_the_relay(
    platform: LoopbackPlatform, profile: Path, tmp_path: Path, defect: str, requirement: str, keyword: str
) -> None:
    socle = "dmp" if requirement.startswith("DMP") else "mssante"
    out = tmp_path / "run"
    proc = run("--socle", socle, "--sandbox", profile, "--dui", f"demo:{defect}", "-k", keyword, "--out", out)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-2000:]
    verdicts = json.loads((out / "results.json").read_text())["socles"][socle]["requirements"]
    assert verdicts[requirement]["verdict"] == "fail"


def test_a_secret_of_the_profile_never_reaches_the_run_folder(platform: LoopbackPlatform, tmp_path: Path) -> None:
    bal = str(identities.dui_bal()["address"])
    profile = platform.profile(tmp_path / "p.toml")
    text = profile.read_text().replace(
        "[mssante.imap]\n", f'[mssante.imap]\nuser = "{bal}"\npassword = "s3cret-of-the-vendor-71c"\n'
    )
    profile.write_text(text)
    out = tmp_path / "run"
    proc = run("--socle", "mssante", "--sandbox", profile, "-k", "receive", "--out", out)
    scenarios = json.loads((out / "results.json").read_text())["socles"]["mssante"]["scenarios"]
    assert scenarios and all(s["outcome"] == "passed" for s in scenarios), proc.stdout[-3000:]
    legs = [e for e in journal(out / "evidence") if e["kind"] == "upstream-imap-session"]
    assert legs and "LOGIN as" in (out / "evidence" / legs[0]["path"]).read_text()  # the account was used
    for path in out.rglob("*"):
        if path.is_file():
            assert b"s3cret-of-the-vendor-71c" not in path.read_bytes(), path
    assert "s3cret-of-the-vendor-71c" not in proc.stdout + proc.stderr


@pytest.mark.parametrize("mode", ["garbage", "cut"])
def test_a_platform_answering_garbage_fails_the_scenario_naming_it(tmp_path: Path, mode: str) -> None:
    from tests.engine.capture.helpers import Misbehaving, platform_pki

    pki = platform_pki(tmp_path / "pki")
    with Misbehaving(pki, mode) as server:
        profile = tmp_path / "p.toml"
        profile.write_text(
            '[platform]\nname = "broken-platform"\n[dmp]\n'
            f'[dmp.https]\nurl = "https://localhost:{server.port}"\nca = "{pki.ca_bundle}"\n'
            f'client_cert = "{pki.client_cert}"\nclient_key = "{pki.client_key}"\n'
        )
        out = tmp_path / "run"
        proc = run("--socle", "dmp", "--sandbox", profile, "-k", "n1 and T01", "--out", out)  # an EXIGENCE
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-2000:]
    (scenario,) = json.loads((out / "results.json").read_text())["socles"]["dmp"]["scenarios"]
    named = [f for f in scenario["findings"] if f["location"] == f"https://localhost:{server.port}"]
    assert named and all(f["verdict"] == "fail" and f["requirement"] == "DMP-T01" for f in named)
    assert "la plateforme broken-platform a échoué pendant l'échange" in named[0]["message_fr"]
    assert scenario["outcome"] == "failed"
    kept = [e for e in journal(out / "evidence") if e["kind"] == "dmp-request"]
    assert kept and server.received  # the exchange is in the evidence, as the platform received it
    assert {(out / "evidence" / e["path"]).read_bytes() for e in kept if e["meta"]["method"] == "POST"} <= set(
        server.received
    )


@pytest.mark.requirements("DMP-R01")
@pytest.mark.parametrize(("dui", "verdict"), [("demo", "pass"), ("demo:dmp-failure-as-success", "fail")])
def test_how_the_dui_handles_what_the_platform_answered_is_judged_on_that_answer(
    platform: LoopbackPlatform, profile: Path, tmp_path: Path, dui: str, verdict: str
) -> None:
    """The platform refuses a feed on its own (the resident's DMP closed after its TD0.2 said active): DMP-R01
    is judged on the platform's RegistryResponse as relayed, not on anything the harness decided. A DUI that
    shows the refusal passes; one that reports the document as fed fails."""
    mock = platform.services["dmp"]
    record = next(r for r in mock.records.values() if r.key == "resident-second")
    try:
        record.status, mock.td02_stale = "closed", True
        out = tmp_path / "run"
        proc = run("--socle", "dmp", "--sandbox", profile, "--dui", dui, "-k", "dlu_for_ehpad", "--out", out)
    finally:
        record.status, mock.td02_stale = "active", False
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-2000:]  # -k: the socle's other rules untested
    dmp = json.loads((out / "results.json").read_text())["socles"]["dmp"]
    assert dmp["requirements"]["DMP-R01"]["verdict"] == verdict, dmp["requirements"]["DMP-R01"]["findings"]
    assert [s["outcome"] for s in dmp["scenarios"]] == ["passed" if verdict == "pass" else "failed"]
    answers = [e for e in journal(out / "evidence") if e["kind"] == "dmp-response"]
    feeds = [e for e in answers if "iti41-response" in e["path"]]  # the platform's own answer to the feed
    assert feeds and all(e["meta"]["status"] == "Failure" and e["role"] == "platform" for e in feeds)
    assert all(b"DMP ferme" in (out / "evidence" / e["path"]).read_bytes() for e in feeds)


@pytest.mark.parametrize("mode", ["garbage", "cut"])
def test_an_operator_failing_mid_transaction_fails_the_scenario_naming_it(
    platform: LoopbackPlatform, tmp_path: Path, mode: str
) -> None:
    """The MSSanté relay's platform leg: an operator answering MAIL with garbage, or closing after the DUI's
    DATA, fails the running scenario with a finding naming the platform; the DUI got a 451 on its leg and the
    exchange is kept (the platform leg's commands, the failure, and what the DUI sent)."""
    from tests.engine.capture.helpers import MisbehavingSmtp

    with MisbehavingSmtp(platform.pki, mode) as server:
        smtp_port = platform.services["mssante"].smtp_port
        profile = platform.profile(tmp_path / "p.toml", **{f"port = {smtp_port}\n": f"port = {server.port}\n"})
        profile.write_text(profile.read_text().replace('name = "loopback"', 'name = "broken-operator"'))
        out = tmp_path / "run"
        proc = run("--socle", "mssante", "--sandbox", profile, "-k", "message_headers", "--out", out)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-2000:]
    (scenario,) = json.loads((out / "results.json").read_text())["socles"]["mssante"]["scenarios"]
    endpoint = f"smtp://127.0.0.1:{server.port}"
    named = [f for f in scenario["findings"] if f["location"] == endpoint]
    assert scenario["outcome"] == "failed" and named and all(f["verdict"] == "fail" for f in named)
    assert "la plateforme broken-operator a échoué pendant l'échange" in named[0]["message_fr"]
    mine = journal(out / "evidence")
    failures = [json.loads((out / "evidence" / e["path"]).read_text()) for e in mine if e["kind"] == "upstream-failure"]
    assert failures and all(f["upstream"] == endpoint for f in failures)
    legs = [(out / "evidence" / e["path"]).read_text() for e in mine if e["kind"] == "upstream-smtp-session"]
    assert any(("MAIL FROM" if mode == "garbage" else "DATA") in leg for leg in legs)
    sessions = [(out / "evidence" / e["path"]).read_text() for e in mine if e["kind"] == "smtp-session"]
    assert any("451" in s and "broken-operator" in s for s in sessions)  # what the DUI was told on its leg
    if mode == "cut":
        sent = [(out / "evidence" / e["path"]).read_bytes() for e in mine if e["kind"] == "message"]
        assert sent and server.received  # the DUI's message is kept, and it is what reached the platform
        assert any(
            m.replace(b"\r\n", b"\n").strip() in r.replace(b"\r\n", b"\n") for m in sent for r in server.received
        )
