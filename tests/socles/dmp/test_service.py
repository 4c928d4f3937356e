"""The mock DMP: mutual TLS, ITI-41 over MTOM, real RegistryResponse codes, faults on bad input,
every exchange in the evidence journal; a hand-made MTOM request sent by curl is accepted."""

from __future__ import annotations

import http.client
import shutil
import ssl
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from conformance.drivers.base import Action
from conformance.engine.evidence import read_journal
from conformance.formats.pki import TestPKI
from conformance.socles.dmp.build.xds import envelope
from conformance.socles.dmp.reference.client import DmpConfig, DmpTls, post, read_answer, tls_context
from conformance.socles.dmp.service.app import PATH

from .helpers import PATIENT, demo_for, running_dmp, vihf

CURL = shutil.which("curl")
FEED = {"type_code": "11506-3", "type_display": "CR ou fiche de suivi de soins par auxiliaire médical"}


def _config(service_settings: dict[str, str]) -> DmpConfig:
    return DmpConfig.from_settings(service_settings)


def _raw_post(cfg: DmpConfig, ctype: str, body: bytes, path: str = PATH) -> tuple[int, bytes]:
    conn = http.client.HTTPSConnection(
        "localhost", int(cfg.url.split(":")[2].split("/")[0]), context=tls_context(cfg, DmpTls()), timeout=10
    )
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": ctype})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@pytest.mark.requirements("DMP-T01", "DMP-R01")
def test_demo_feed_is_accepted_and_journaled(pki: TestPKI, tmp_path: Path) -> None:
    with running_dmp(pki, tmp_path) as dmp:
        outcome = demo_for(dmp).act(Action("dmp.feed", {"patient": PATIENT, "document": FEED}))
        assert outcome.status == "ok", outcome.detail
        assert outcome.data["registry_status"] == "Success" and outcome.data["errors"] == []
        td02, ex = dmp.log.since(0)
        assert td02.transaction == "TD0.2" and ex.transaction == "ITI-41"
        assert ex.status == "Success" and "Signature01" in ex.documents and len(ex.documents) == 2
        stored = dmp.records[f"{PATIENT['ins']}^^^&{PATIENT['ins_oid']}&ISO^NH"].documents
        assert outcome.data["document_unique_id"] in stored
    kinds = [(e["kind"], e["meta"].get("transaction")) for e in read_journal(tmp_path / "evidence")]
    assert kinds == [
        ("dmp-request", "TD0.2"),
        ("dmp-response", None),
        ("dmp-request", "ITI-41"),
        ("dmp-response", None),
    ]


@pytest.mark.parametrize(
    ("patient", "code", "context"),
    [("resident-corsica", "XDSRegistryError", "closed"), ("resident-opposition", "XDSRegistryError", "opposition")],
)
@pytest.mark.requirements("DMP-R01")
def test_closed_dmp_and_opposition_answer_registry_errors(
    pki: TestPKI, tmp_path: Path, patient: str, code: str, context: str
) -> None:
    from conformance.identities import patient as identity

    with running_dmp(pki, tmp_path) as dmp:
        dmp.td02_stale = True  # the DMP closed after the DUI's TD0.2 check
        outcome = demo_for(dmp).act(Action("dmp.feed", {"patient": identity(patient), "document": FEED}))
        assert outcome.status == "error" and code in outcome.detail
        assert outcome.data["registry_status"] == "Failure"
        assert context in outcome.data["errors"][0]["codeContext"]


@pytest.mark.requirements("DMP-T01")
def test_malformed_input_gets_a_soap_fault_not_a_traceback(pki: TestPKI, tmp_path: Path) -> None:
    with running_dmp(pki, tmp_path) as dmp:
        cfg = _config(dmp.settings())
        cases = [
            ("text/plain", b"hello"),
            ('multipart/related; boundary="b"; type="application/xop+xml"', b"--b\r\n\r\nnot xml\r\n--b--\r\n"),
            ('multipart/related; boundary="b"', b"garbage without parts"),
            ("application/soap+xml", b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>"),
        ]
        for ctype, body in cases:
            status, data = _raw_post(cfg, ctype, body)
            assert status == 400, (ctype, status, data[:200])
            assert b"Fault" in data and b"Traceback" not in data
            assert read_answer(status, data).registry_status == "Fault"
        status, data = _raw_post(cfg, "text/plain", b"x", path="/elsewhere")
        assert status == 404 and b"Fault" in data


@pytest.mark.requirements("DMP-V02")
def test_unsigned_or_foreign_vihf_is_refused(pki: TestPKI, tmp_path: Path) -> None:
    from conformance.socles.dmp.build.mtom import mtom_request

    with running_dmp(pki, tmp_path) as dmp:
        cfg = _config(dmp.settings())
        body = etree.Element("{urn:ihe:iti:xds-b:2007}ProvideAndRegisterDocumentSetRequest")
        for token in (None, vihf(pki, cert="rogue_cert", key="rogue_key")):
            ctype, data = mtom_request(envelope(body, token, cfg.url), {})
            answer = post(cfg, ctype, data, DmpTls())
            assert answer.registry_status == "Fault"
            assert "wsse:" in answer.errors[0]["errorCode"]


def test_client_without_structure_certificate_is_refused(pki: TestPKI, tmp_path: Path) -> None:
    with running_dmp(pki, tmp_path) as dmp:
        ctx = ssl.create_default_context(cafile=str(pki.ca_bundle))
        conn = http.client.HTTPSConnection("localhost", dmp.port, context=ctx, timeout=10)
        with pytest.raises((ssl.SSLError, ConnectionError, http.client.HTTPException)):
            conn.request("POST", PATH, body=b"x", headers={"Content-Type": "text/plain"})
            conn.getresponse().read()
        conn.close()
        assert dmp.log.since(0) == []


@pytest.mark.requirements("DMP-X12")
def test_replacement_deprecates_the_old_document(pki: TestPKI, tmp_path: Path) -> None:
    with running_dmp(pki, tmp_path) as dmp:
        dui = demo_for(dmp)
        first = dui.act(Action("dmp.feed", {"patient": PATIENT, "document": FEED}))
        old = first.data["document_unique_id"]
        second = dui.act(Action("dmp.feed", {"patient": PATIENT, "document": FEED, "replace_of": old}))
        assert second.status == "ok", second.detail
        docs = dmp.records[f"{PATIENT['ins']}^^^&{PATIENT['ins_oid']}&ISO^NH"].documents
        assert docs[old].short_status == "Deprecated"
        assert docs[second.data["document_unique_id"]].short_status == "Approved"
        unknown = dui.act(Action("dmp.feed", {"patient": PATIENT, "document": FEED, "replace_of": "1.2.3"}))
        assert unknown.status == "refused"


def test_rogue_variant_presents_a_certificate_the_dui_refuses(pki: TestPKI, tmp_path: Path) -> None:
    with running_dmp(pki, tmp_path) as dmp:
        dmp.variant = "rogue-ca"
        outcome = demo_for(dmp).act(Action("dmp.feed", {"patient": PATIENT, "document": FEED}))
        assert outcome.status == "error" and "certificate" in outcome.detail.lower()
        assert dmp.log.since(0) == []


@pytest.mark.skipif(CURL is None, reason="curl is not installed")
@pytest.mark.requirements("DMP-T01")
def test_hand_made_mtom_request_sent_by_curl(pki: TestPKI, tmp_path: Path) -> None:
    """A request written by hand (binary MIME part, CRLF), sent by curl with the structure certificate."""
    from tests.socles.dmp import helpers as b

    cda = b.to_bytes(b.cda_root())
    pnr = b.pnr_root(cda)
    for d in pnr.findall("{urn:ihe:iti:xds-b:2007}Document"):
        d.text = None
        etree.SubElement(d, "{http://www.w3.org/2004/08/xop/include}Include", href=f"cid:{d.get('id')}@curl")
    with running_dmp(pki, tmp_path) as dmp:
        env = envelope(pnr, vihf(pki), dmp.url)
        parts = [
            b'--MIMEBoundary\r\nContent-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"'
            b"\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <root@curl>\r\n\r\n" + env + b"\r\n"
        ]
        for did, data in (("Document01", cda), ("Signature01", b.SIGNATURE_XML)):
            parts.append(
                f"--MIMEBoundary\r\nContent-Type: text/xml\r\nContent-Transfer-Encoding: binary\r\n"
                f"Content-ID: <{did}@curl>\r\n\r\n".encode()
                + data
                + b"\r\n"
            )
        body = tmp_path / "request.mime"
        body.write_bytes(b"".join(parts) + b"--MIMEBoundary--\r\n")
        ctype = (
            'multipart/related; boundary=MIMEBoundary; type="application/xop+xml"; start="<root@curl>"; '
            'start-info="application/soap+xml"; action="urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b"'
        )
        s = dmp.settings()
        done = subprocess.run(
            [
                str(CURL),
                "--silent",
                "--show-error",
                "--cacert",
                s["ca_bundle"],
                "--cert",
                s["client_cert"],
                "--key",
                s["client_key"],
                "-H",
                f"Content-Type: {ctype}",
                "--data-binary",
                f"@{body}",
                "--max-time",
                "20",
                dmp.url,
            ],
            capture_output=True,
            timeout=30,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        answer = read_answer(200, done.stdout)
        [ex] = dmp.log.since(0)
        assert ex.documents["Document01"] == cda and ex.client_cert is not None
        # the helpers' patient has a DMP: Success, or named metadata errors, never a fault
        assert answer.registry_status == "Success", answer.errors
