"""`conformance run --from-capture DIR`: exchanges captured elsewhere, judged like a run's, marked imported."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.engine.capture.captures import read_captures
from conformance.engine.options import OptionError
from tests.engine.capture.helpers import export_captures
from tests.helpers import Run

BIN = Path(sys.executable).parent
MTOM = b"--MIMEBoundary_abc\r\nContent-Type: application/xop+xml\r\n\r\n<x/>\r\n--MIMEBoundary_abc--\r\n"


def conformance(*args: str | Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "conformance"), *map(str, args)], capture_output=True, text=True, timeout=timeout)


def verdicts(run: Path) -> dict[str, dict[str, str]]:
    results = json.loads((run / "results.json").read_text())
    return {s: {rid: q["verdict"] for rid, q in r["requirements"].items()} for s, r in results["socles"].items()}


def test_what_a_capture_folder_holds(tmp_path: Path) -> None:
    (tmp_path / "sent.eml").write_bytes(b"Date: Thu, 05 Nov 2026 10:00:00 +0100\r\nSubject: x\r\n\r\nbody\r\n")
    (tmp_path / "feed.request.http").write_bytes(
        b"POST /xds/iti41 HTTP/1.1\r\nContent-Type: multipart/related; boundary=b\r\n"
        b"Date: Thu, 05 Nov 2026 09:00:00 GMT"
        b"\r\n\r\nBODY"
    )
    (tmp_path / "feed.response.http").write_bytes(b"HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml\r\n\r\n<a/>")
    (tmp_path / "bare.request.mime").write_bytes(MTOM)
    (tmp_path / "bundle.request.json").write_bytes(b'{"resourceType": "Bundle"}')
    (tmp_path / "orphan.response.xml").write_bytes(b"<a/>")
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "broken.har").write_text("{not json")
    (tmp_path / ".hidden.eml").write_bytes(b"x")
    (tmp_path / "trust.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    har = {
        "log": {
            "entries": [
                {
                    "startedDateTime": "2026-11-05T08:00:00.000Z",
                    "request": {
                        "method": "post",
                        "url": "https://service.example/fhir/Bundle?x=1",
                        "headers": [{"name": "Content-Type", "value": "application/fhir+json"}],
                        "postData": {
                            "mimeType": "application/fhir+json",
                            "text": base64.b64encode(b"\x00{}").decode(),
                            "encoding": "base64",
                        },
                    },
                    "response": {"status": 201, "headers": [], "content": {"text": "{}"}},
                }
            ]
        }
    }
    (tmp_path / "tool.har").write_text(json.dumps(har))
    outside = tmp_path.parent / f"{tmp_path.name}-outside.eml"
    outside.write_bytes(b"Subject: secret\r\n\r\n")
    (tmp_path / "link.eml").symlink_to(outside)

    folder = read_captures(tmp_path)
    by_name = {e.name: e for e in folder.exchanges}
    assert sorted(by_name) == ["bare", "bundle", "feed", "sent.eml", "tool.har#1"]
    assert by_name["sent.eml"].kind == "email" and by_name["sent.eml"].captured_at == "2026-11-05T09:00:00Z"
    feed = by_name["feed"]
    assert (feed.method, feed.path, feed.request, feed.status, feed.response) == (
        "POST",
        "/xds/iti41",
        b"BODY",
        200,
        b"<a/>",
    )
    assert feed.captured_at == "2026-11-05T09:00:00Z"
    assert (
        by_name["bare"].content_type.startswith("multipart/related")
        and 'boundary="MIMEBoundary_abc"' in by_name["bare"].content_type
    )
    assert by_name["bundle"].content_type == "application/fhir+json" and by_name["bundle"].status == 0
    har_ex = by_name["tool.har#1"]
    assert (har_ex.method, har_ex.path, har_ex.request, har_ex.status) == ("POST", "/fhir/Bundle", b"\x00{}", 201)
    assert har_ex.captured_at == "2026-11-05T08:00:00Z"
    assert folder.trust == tmp_path.resolve() / "trust.pem"
    skipped = {s["file"]: s["reason"] for s in folder.skipped}
    assert skipped["orphan.response.xml"] == "answer without request"
    assert skipped["notes.txt"] == "not a capture this harness reads"
    assert skipped["broken.har"].startswith("unreadable: JSONDecodeError")
    assert skipped["link.eml"] == "symbolic link leaving the capture folder"
    assert all(b"secret" not in e.request for e in folder.exchanges)


def test_a_folder_without_exchanges_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(OptionError, match="no e-mail, HTTP request/response pair or HAR file"):
        read_captures(tmp_path)
    proc = conformance("run", "--socle", "dmp", "--from-capture", tmp_path, "--out", tmp_path / "run")
    assert proc.returncode == 2 and "no e-mail" in proc.stderr
    both = conformance("run", "--from-capture", tmp_path, "--sandbox", tmp_path / "notes.txt")
    assert both.returncode == 2 and "exclude each other" in both.stderr


@pytest.fixture(scope="session")
def demo_run(demo_run: Run) -> Path:
    """The session's demo run of every socle (tests/conftest.py, made once for every xdist worker) whose
    captures are imported; never written into."""
    assert demo_run.returncode == 0, demo_run.output[-3000:]
    return demo_run.out


def judged(run: Path) -> dict[str, dict[str, str]]:
    return {s: {r: v for r, v in q.items() if v in ("pass", "fail", "warn")} for s, q in verdicts(run).items()}


@pytest.mark.parametrize("har", [False, True], ids=["pairs", "har"])
def test_captures_of_a_demo_run_get_its_verdicts(demo_run: Path, tmp_path: Path, har: bool) -> None:
    """The issue's acceptance: same requirement verdicts as the run, for what captures can judge."""
    folder = export_captures(demo_run, tmp_path / "captures", har=har)
    out = tmp_path / "import"
    socles = ("--socle", "mssante", "--socle", "dmp", "--socle", "eprescription")
    proc = conformance("run", *socles, "--from-capture", folder, "--out", out)
    ran, imported = verdicts(demo_run), judged(out)
    compared, differ = 0, set()
    for socle, found in imported.items():
        for rid, verdict in found.items():
            compared += 1
            if ran[socle][rid] != verdict:
                differ.add((socle, rid))
    # no blind spot: the one the import first revealed (the demo's cross-socle Bundle sharing an unqualified
    # INS, ID-02) is fixed: the reference DUI sends no INS for an identity that is not qualified
    assert not differ, (differ, proc.stdout[-3000:])
    assert proc.returncode == 0
    assert compared >= 60 and len(imported["eprescription"]) >= 10  # e-mails, feeds and Bundles all judged
    results = json.loads((out / "results.json").read_text())
    assert (
        results["mode"] == "imported" and results["imported"]["exchanges"] >= 30 and not results["imported"]["skipped"]
    )
    not_judged = results["socles"]["mssante"]["requirements"]["MSS-TLS-01"]
    assert not_judged["verdict"] == "not-run-imported" and "aucun échange importé" in not_judged["not_run"]["fr"]
    html = (out / "certificate.html").read_text()
    assert "échanges importés" in html and "ne compte pas sans témoin" in html
    assert "observés dans des captures faites hors de l&#39;outil puis importées" in html
    assert "Non évaluable sur les échanges importés" in html
    # the imported run re-judges itself like any run: every verdict of its certificate confirmed by its evidence
    check = conformance("verify", out / "certificate.html", "--evidence", out, "--rejudge", "--json")
    said = json.loads(check.stdout)
    assert said["status"] == "intact, signer not trusted" and check.returncode == 3, said  # the installation key
    stated = sum(len(s["requirements"]) for s in results["socles"].values())
    assert said["rejudge"]["confirmed"] == stated and not said["rejudge"]["contradicted"], said["rejudge"]


@pytest.mark.parametrize(
    ("socle", "defect", "requirement", "keyword"),
    [
        ("mssante", "no-message-id", "MSS-MSG-01", "message_headers"),
        ("dmp", "xds-wrong-hash", "DMP-X04", "n1 and X04"),
        ("eprescription", "rpps-without-8", "EP-04", "prescriber_and_structure"),
    ],
)
def test_a_defect_in_the_captures_fails_its_requirement(
    tmp_path: Path, socle: str, defect: str, requirement: str, keyword: str
) -> None:
    run = tmp_path / "run"
    conformance("run", "--socle", socle, "--dui", f"demo:{defect}", "-k", keyword, "--out", run)
    assert verdicts(run)[socle][requirement] == "fail"
    folder = export_captures(run, tmp_path / "captures")
    out = tmp_path / "import"
    proc = conformance("run", "--socle", socle, "--from-capture", folder, "--out", out)
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert verdicts(out)[socle][requirement] == "fail"


def test_imported_captures_count_only_on_a_witnessed_certificate(tmp_path: Path) -> None:
    """The counting policy's witnessed mode, end to end: captures of a vendor's DUI (it names itself ACME DUI),
    imported under that name, count only when a witness imports them and signs with its own key (`--witness`);
    what no capture can judge is "non évaluable sur les échanges importés" and does not block."""
    from conformance.formats.pki import TestPKI
    from tests.certificate.helpers import ACME_OPTIONS

    vendor = tmp_path / "vendor-run"
    dui = "python:tests.certificate.helpers:AcmeDui"
    assert conformance("run", "--socle", "mssante", "--dui", dui, *ACME_OPTIONS, "--out", vendor).returncode == 0
    folder = export_captures(vendor, tmp_path / "captures")

    alone = tmp_path / "alone"
    assert (
        conformance("run", "--socle", "mssante", "--from-capture", folder, *ACME_OPTIONS, "--out", alone).returncode
        == 0
    )
    payload = json.loads((alone / "certificate.json").read_text())
    assert payload["solution"]["status"] == "identified" and payload["witness"] is None
    assert payload["socles"]["mssante"]["reasons_fr"] == ["le mode « échanges importés » ne compte pas sans témoin"]

    pki = TestPKI.load_or_create(tmp_path / "pki")
    witness = ("--sign-key", pki.signing_key, "--sign-cert", pki.signing_cert, "--witness", "ARS Essai, pôle SI")
    seen = tmp_path / "witnessed"
    proc = conformance("run", "--socle", "mssante", "--from-capture", folder, *ACME_OPTIONS, *witness, "--out", seen)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    payload = json.loads((seen / "certificate.json").read_text())
    assert payload["witness"] == {"statement": "ARS Essai, pôle SI"}
    assert payload["socles"]["mssante"]["counts"] is True, payload["socles"]["mssante"]["reasons_fr"]
    assert payload["socles"]["mssante"]["tallies"]["not-run-imported"] > 0
    check = conformance("verify", seen / "certificate.html", "--evidence", seen, "--rejudge", "--trust", pki.root_cert)
    assert check.returncode == 0 and check.stdout.startswith("valid") and "witnessed by: ARS Essai" in check.stdout
