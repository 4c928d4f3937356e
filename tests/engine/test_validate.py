"""conformance.engine.validate: kind sniffing, size bounds, isolation of checks, levels, JSON shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance import registry, socle
from conformance.engine.validate import detect_kind, validate_bytes, validate_path, verdict_of
from conformance.levels import apply_levels
from conformance.messages import Text, finding
from conformance.model import Finding, Verdict
from tests.socles.mssante.helpers import Doc, build_message, cda_bytes, pdf_bytes, xdm_zip

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
SOAP = (
    b'<?xml version="1.0"?>\n<!-- request -->\n<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/'
    b'soap-envelope"><soap:Body/></soap:Envelope>'
)
VIHF = b'<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="x"/>'
MTOM = (
    b'--uuid:1\r\nContent-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"\r\n\r\n'
    b"<s:Envelope xmlns:s='http://www.w3.org/2003/05/soap-envelope'/>\r\n--uuid:1--\r\n"
)


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("m.eml", build_message(), "email"),
        ("noext", build_message(), "email"),
        ("x.bin", xdm_zip(), "xdm"),
        ("doc.pdf", pdf_bytes(), "pdf"),
        ("doc.xml", cda_bytes(Doc()), "cda"),
        (
            "doc.xml",
            b"\xef\xbb\xbf  <?xml version='1.0'?><!-- c --><ClinicalDocument xmlns='urn:hl7-org:v3'/>",
            "cda",
        ),
        ("req.xml", SOAP, "soap"),
        ("req.mtom", MTOM, "soap"),
        ("vihf.xml", VIHF, "vihf"),
        ("b.json", b'{\n "resourceType": "Bundle", "type": "collection"}', "fhir"),
        ("b.json", b'{"hello": 1}', "fhir"),  # JSON without resourceType: the extension decides
        ("x.dat", b"\x00\x01garbage", "unknown"),
        ("other.xml", b"<html/>", "unknown"),
        ("IHE_XDM.zip", b"not really a zip", "xdm"),  # the name decides when the content says nothing
    ],
)
def test_detect_kind(name: str, data: bytes, kind: str) -> None:
    assert detect_kind(name, data) == kind


@pytest.mark.requirements("MSS-MSG-01", "MSS-DOC-02")
def test_good_message_result_and_json_shape() -> None:
    """MSSanté's rules on a good message (its test CDA is a minimal one, not a full CI-SIS header: the
    DMP socle's CDA rules, which validate also runs on it, are tested on the demo's own messages)."""
    result = validate_bytes("message.eml", build_message(), socles=["mssante"])
    assert result.kind == "email"
    assert result.verdict in ("pass", "warn")  # warn: value sets the harness does not ship (formatCode...)
    assert not [f for f in result.findings if f.verdict is Verdict.FAIL]
    doc = result.to_json()
    assert set(doc) == {"file", "kind", "verdict", "findings", "parts", "reference_time"}
    assert [p["kind"] for p in doc["parts"]] == ["email", "xdm", "cda", "pdf"]  # message, archive, its CDA, PDF copy
    assert doc["reference_time"] == {"time": "", "source": "validation"}
    assert json.dumps(doc, ensure_ascii=False)
    assert all(f["location"] and f["message_fr"] and f["evidence"] for f in doc["findings"])


@pytest.mark.requirements("MSS-MSG-04")
def test_preconisation_fail_is_a_warning_in_artifact_mode() -> None:
    html = build_message().replace(b"Content-Type: text/plain", b"Content-Type: text/html", 1)
    result = validate_bytes("m.eml", html)
    msg04 = [f for f in result.findings if f.requirement == "MSS-MSG-04"]
    assert [f.verdict for f in msg04] == [Verdict.WARN]
    assert "PRECONISATION" in msg04[0].message_en


def test_apply_levels() -> None:
    findings = [
        finding("MSS-MSG-04", Verdict.FAIL, Text("x", "x"), "here"),
        finding("MSS-MSG-01", Verdict.FAIL, Text("y", "y"), "here"),
        finding("HARNESS-KIND", Verdict.FAIL, Text("z", "z"), "here"),
        finding("MSS-MSG-04", Verdict.PASS, Text("ok", "ok"), "here"),
    ]
    out = apply_levels(findings)
    assert [f.verdict for f in out] == [Verdict.WARN, Verdict.FAIL, Verdict.FAIL, Verdict.PASS]
    assert findings[0].verdict is Verdict.FAIL  # the input is not modified


def test_unknown_kind_fails_with_harness_kind() -> None:
    result = validate_bytes("x.dat", b"\x00\x01garbage")
    assert result.kind == "unknown" and result.verdict == "fail"
    assert [f.requirement for f in result.findings] == ["HARNESS-KIND"]


@pytest.mark.parametrize(
    ("name", "data"), [("req.xml", SOAP), ("vihf.xml", VIHF), ("b.json", b'{"resourceType": "Bundle"}')]
)
def test_kinds_without_checks_are_not_applicable(name: str, data: bytes) -> None:
    result = validate_bytes(name, data, socles=["mssante"])
    assert [(f.requirement, f.verdict) for f in result.findings] == [("HARNESS-KIND", Verdict.NOT_APPLICABLE)]
    assert "no checks installed" in result.findings[0].message_en


@pytest.mark.requirements("MSS-MSG-01", "MSS-XDM-01")
def test_oversize_input_fails_on_the_kinds_structural_rule(tmp_path: Path) -> None:
    big = validate_bytes("m.eml", build_message(), max_bytes=1000)
    assert [(f.requirement, f.verdict) for f in big.findings] == [("MSS-MSG-01", Verdict.FAIL)]
    path = tmp_path / "IHE_XDM.zip"
    path.write_bytes(xdm_zip())
    result = validate_path(path, max_bytes=100)
    assert [(f.requirement, f.verdict) for f in result.findings] == [("MSS-XDM-01", Verdict.FAIL)]
    assert "limit" in result.findings[0].message_en


def test_unreadable_path(tmp_path: Path) -> None:
    result = validate_path(tmp_path / "missing.eml")
    assert result.verdict == "fail" and result.findings[0].requirement == "HARNESS-INPUT"


def test_a_crashing_check_becomes_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(art: object, ctx: object) -> list[Finding]:
        raise RuntimeError("bug in a check")

    monkeypatch.setattr(registry, "_REG", registry._Registry())
    monkeypatch.setattr(socle, "load_all_checks", lambda: None)
    registry.check("pdf", "mssante", "MSS-DOC-03")(boom)
    result = validate_bytes("doc.pdf", pdf_bytes())
    assert [(f.requirement, f.verdict) for f in result.findings] == [("HARNESS-CHECK", Verdict.FAIL)]
    assert "bug in a check" in result.findings[0].message_en


def test_verdict_of() -> None:
    assert verdict_of([]) == "pass"
    assert verdict_of([Finding("X", Verdict.NOT_APPLICABLE, "", "")]) == "not-applicable"
    assert verdict_of([Finding("X", Verdict.PASS, "", ""), Finding("Y", Verdict.WARN, "", "")]) == "warn"


@pytest.mark.skipif(not (CORPUS / "eprescription").is_dir(), reason="shared corpus absent")
def test_corpus_files_are_recognised() -> None:
    for path in sorted((CORPUS / "eprescription").glob("*.json"))[:5]:
        assert detect_kind(path.name, path.read_bytes()) == "fhir"
    for path in sorted((CORPUS / "xdm").glob("*.zip")):
        assert detect_kind(path.name, path.read_bytes()) == "xdm"
