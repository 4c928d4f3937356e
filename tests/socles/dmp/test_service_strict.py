"""The mock DMP refuses what the DMP refuses: each faulty VIHF (and an MTOM request without start-info)
sent as an ITI-41 feed gets its documented error, and nothing is stored.

The errors are those vihf_policy.py and registry.py document: WS-Security 1.1 §12 fault subcodes
(wsse:FailedAuthentication, wsse:InvalidSecurityToken) for the token, XDSPatientIdDoesNotMatch
(ITI TF-3 table 4.2.4.1-2) for a token granting another patient, HTTP 415 for an MTOM package whose
root part type is not declared. The well-formed feed of the same builder is accepted.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from lxml import etree

from conformance.engine.evidence import EvidenceJournal, read_journal
from conformance.engine.evidence_store import open_evidence
from conformance.engine.judgement import FILE, decode_context, encode_context
from conformance.formats.pki import TestPKI
from conformance.model import CheckContext
from conformance.socle import get_socle
from conformance.socles.dmp.build.vihf import SAML, VihfInput, sign_assertion, unsigned_assertion
from conformance.socles.dmp.fixtures import DmpHarness
from conformance.socles.dmp.reference.client import DmpConfig, DmpTls, post, tls_context
from conformance.socles.dmp.reference.feed import feed_request
from conformance.socles.dmp.reference.switches import NONE, DmpFlaws
from conformance.socles.dmp.service.app import PATH, DmpService

from .helpers import PATIENT, running_dmp, vihf
from .helpers import run as run_dmp

INS_CX = f"{PATIENT['ins']}^^^&{PATIENT['ins_oid']}&ISO^NH"
FAILED, INVALID, MISMATCH = "wsse:FailedAuthentication", "wsse:InvalidSecurityToken", "XDSPatientIdDoesNotMatch"
DEFECTS = {d.name: d for d in get_socle("dmp").seeded_defects()}

# seeded defect (or extra VIHF fields) -> (expected errorCode, words of its codeContext)
REFUSED = {
    "vihf-unsigned": (FAILED, "not signed"),
    "vihf-other-key": (FAILED, "signature"),
    "vihf-self-signed": (FAILED, "signer not trusted"),
    "vihf-revoked-signer": (FAILED, "revoked"),
    "vihf-expired-signer": (FAILED, "not valid at"),
    "vihf-reused-after-expiry": (INVALID, "expired"),
    "vihf-resource-urn": (FAILED, "Ressource_URN"),
    "vihf-role-outside-j65": (FAILED, "JDV_J65"),
    "vihf-break-glass": (FAILED, "does not allow feeding"),
    "vihf-direct-without-cps": (FAILED, "DIRECTE without a CPS card"),
    "vihf-previous-patient": (MISMATCH, "VIHF resource-id"),
    "vihf-resource-nia": (MISMATCH, "VIHF resource-id"),
}
NOT_YET_VALID = DmpFlaws(vihf={"issued_ago": -dt.timedelta(hours=1)})
NO_END = DmpFlaws(vihf={"issued_ago": dt.timedelta(hours=9), "validity": None})


@pytest.fixture(scope="module")
def dmp(pki: TestPKI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DmpService]:
    with running_dmp(pki, tmp_path_factory.mktemp("strict-dmp")) as service:
        yield service


def _feed(dmp: DmpService, flaws: DmpFlaws) -> tuple[str, list[dict[str, str]], int]:
    """(registry status, errors, HTTP status) of one ITI-41 feed built with `flaws`."""
    cfg = DmpConfig.from_settings(dmp.settings())
    req = feed_request(cfg, flaws, PATIENT, {"type_code": "11506-3"})
    mark = dmp.log.mark()
    answer = post(cfg, req.content_type, req.body, DmpTls())
    [ex] = dmp.log.since(mark)
    http_status = int(ex.response_ref.meta["http_status"]) if ex.response_ref else 0
    assert ex.status == answer.registry_status and ex.transaction == "ITI-41"
    return answer.registry_status, answer.errors, http_status


@pytest.mark.requirements("DMP-V02", "DMP-V04", "DMP-V06", "DMP-V07", "DMP-V08", "DMP-V09")
@pytest.mark.parametrize("defect", sorted(REFUSED))
def test_each_refused_vihf_gets_its_error(dmp: DmpService, defect: str) -> None:
    code, words = REFUSED[defect]
    before = {d for r in dmp.records.values() for d in r.documents}
    status, errors, http_status = _feed(dmp, DmpFlaws.of(DEFECTS[defect]))
    assert status in ("Fault", "Failure") and errors, defect
    got = errors[0]
    assert code in got["errorCode"] and words in got["codeContext"], (defect, got)
    assert http_status == (400 if status == "Fault" else 200)
    assert {d for r in dmp.records.values() for d in r.documents} == before, "a refused feed stored a document"


def test_assertion_not_yet_valid_or_too_old(dmp: DmpService) -> None:
    for flaws, words in ((NOT_YET_VALID, "in the future"), (NO_END, "more than 8:00:00 ago")):
        status, errors, _ = _feed(dmp, flaws)
        assert status == "Fault" and errors[0]["errorCode"].endswith(INVALID) and words in errors[0]["codeContext"]


@pytest.mark.requirements("DMP-T01")
def test_mtom_without_start_info_is_415(dmp: DmpService) -> None:
    status, errors, http_status = _feed(dmp, DmpFlaws.of(DEFECTS["mtom-no-start-info"]))
    assert (status, http_status) == ("Fault", 415) and "start-info" in errors[0]["codeContext"]


def test_the_same_builder_without_flaws_is_accepted(dmp: DmpService) -> None:
    assert _feed(dmp, NONE)[:2] == ("Success", [])


def test_client_disconnecting_mid_body_is_recorded_without_traceback(
    dmp: DmpService, capfd: pytest.CaptureFixture[str]
) -> None:
    cfg = DmpConfig.from_settings(dmp.settings())
    conn = http.client.HTTPSConnection("localhost", dmp.port, context=tls_context(cfg, DmpTls()), timeout=10)
    conn.putrequest("POST", PATH)
    conn.putheader("Content-Type", 'multipart/related; type="application/xop+xml"')
    conn.putheader("Content-Length", "100000")
    conn.endheaders()
    conn.send(b"--x\r\n" + b"y" * 5000)
    conn.close()
    deadline = dt.datetime.now() + dt.timedelta(seconds=10)
    while not any("client disconnected after" in str(e["errors"]) for e in _responses(dmp)):
        assert dt.datetime.now() < deadline, "the hang-up was never recorded"
        time.sleep(0.05)
    assert "Traceback" not in capfd.readouterr().err


def _responses(dmp: DmpService) -> list[dict[str, object]]:
    return [e["meta"] for e in read_journal(dmp.journal.root) if e["kind"] == "dmp-response"]


def test_oversized_request_is_413(dmp: DmpService) -> None:
    cfg = DmpConfig.from_settings(dmp.settings())
    conn = http.client.HTTPSConnection("localhost", dmp.port, context=tls_context(cfg, DmpTls()), timeout=10)
    conn.putrequest("POST", PATH)
    conn.putheader("Content-Type", "application/soap+xml")
    conn.putheader("Content-Length", str(10**12))
    conn.endheaders()
    resp = conn.getresponse()
    assert resp.status == 413 and b"larger than" in resp.read()
    conn.close()
    assert json.dumps(_responses(dmp)[-1]).count("413") == 1


# -- the checks judge the same faults on the captured token ----------------------------------------------


def _vihf_verdicts(token: bytes, pki: TestPKI, **extra: object) -> dict[str, set[str]]:
    ctx = CheckContext(patient=PATIENT, extra={"ca_bundle": str(pki.ca_bundle), **extra})
    out: dict[str, set[str]] = {}
    for f in run_dmp("vihf", token, ctx, "vihf.xml"):
        out.setdefault(f.requirement, set()).add(f.verdict.value)
    return out


@pytest.mark.requirements("DMP-V02")
def test_revoked_signer_fails_v02_when_the_crl_is_known(pki: TestPKI) -> None:
    token = etree.tostring(vihf(pki, cert="revoked_cert", key="revoked_key"))
    assert "fail" in _vihf_verdicts(token, pki, crl=str(pki.crl))["DMP-V02"]
    # no CRL given: nothing says it is revoked, and nothing says it is not: trust not evaluated, never passed
    assert _vihf_verdicts(token, pki)["DMP-V02"] == {"not-applicable"}
    assert _vihf_verdicts(etree.tostring(vihf(pki)), pki, crl=str(pki.crl))["DMP-V02"] == {"pass"}


@pytest.mark.requirements("DMP-V02")
def test_the_harness_context_carries_the_crl_into_the_judgement(pki: TestPKI, tmp_path: Path) -> None:
    """The suite's context records the CA bundle and the CRLs as evidence files: read back from the
    evidence (what `conformance verify --rejudge` does), the revoked signer still fails DMP-V02."""
    ctx = DmpHarness(SimpleNamespace(pki=pki), None, None, {}).context(PATIENT)  # type: ignore[arg-type]
    journal = EvidenceJournal(tmp_path / "evidence")
    data = encode_context(ctx, lambda blob, what: journal.attach("context-file", what, blob).sha256)
    journal.close()
    assert set(data["extra"]["crl"]) == {FILE} and set(data["extra"]["ca_bundle"]) == {FILE}
    store = open_evidence(tmp_path / "evidence")
    try:
        back = decode_context(data, store)
        token = etree.tostring(vihf(pki, cert="revoked_cert", key="revoked_key"))
        verdicts = {f.verdict.value for f in run_dmp("vihf", token, back, "vihf.xml") if f.requirement == "DMP-V02"}
        assert "fail" in verdicts
    finally:
        store.close()


@pytest.mark.requirements("DMP-V04")
def test_direct_mode_needs_a_card_authentication(pki: TestPKI) -> None:
    direct = vihf(pki, mode="DIRECTE")
    assert "fail" in _vihf_verdicts(etree.tostring(direct), pki)["DMP-V04"]
    card = unsigned_assertion(
        VihfInput(structure_id="1990000001", resource_id=INS_CX, mode="DIRECTE"), pki.certificate("signing_cert")
    )
    card.find(
        ".//saml:AuthnContextClassRef", {"saml": SAML}
    ).text = "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI"  # type: ignore[union-attr]
    signed = sign_assertion(card, pki.signing_key.read_bytes(), pki.signing_cert.read_bytes())
    assert _vihf_verdicts(etree.tostring(signed), pki)["DMP-V04"] == {"pass"}
