"""The "soap" check on a captured ITI-41 request (MTOM framing, WS-Addressing, VIHF inside) and the
"dmp-exchange" check of DMP-R01 (the DUI reports what the DMP answered)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from lxml import etree

from conformance.formats.pki import TestPKI
from conformance.model import CheckContext, Finding, Verdict
from conformance.socles.dmp.build.mtom import mtom_request
from conformance.socles.dmp.build.xds import envelope

from . import helpers as b
from .helpers import PATIENT, vihf


def request(
    pki: TestPKI, action: str = "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b", token: etree._Element | None = None
) -> tuple[str, bytes]:
    env = envelope(b.pnr_root(), token if token is not None else vihf(pki), "https://localhost/dmp", action)
    return mtom_request(env, {})


def soap(ctype: str, body: bytes, pki: TestPKI) -> list[Finding]:
    """The request and the parts it holds (metadata, documents), as validate and a scenario judge them;
    without DMP-S02: `pnr_root` carries a placeholder signature part (test_xades signs real lots)."""
    extra = {"ca_bundle": str(pki.ca_bundle), "crl": str(pki.crl), "batch_feed": True}
    ctx = CheckContext(patient=PATIENT, extra=extra, at=dt.datetime.now(dt.UTC), at_source="capture")
    return [f for f in b.run("soap", body, ctx, "req.mime", content_type=ctype) if f.requirement != "DMP-S02"]


def failing(found: list[Finding]) -> set[str]:
    return {f.requirement for f in found if f.verdict is Verdict.FAIL}


@pytest.mark.requirements("DMP-T01", "DMP-T02", "DMP-V08")
def test_good_request_passes(pki: TestPKI) -> None:
    found = soap(*request(pki), pki)
    assert failing(found) == set()
    assert {"DMP-T01", "DMP-T02", "DMP-V02", "DMP-V08"} <= {f.requirement for f in found}


@pytest.mark.requirements("DMP-T01")
def test_framing_failures(pki: TestPKI) -> None:
    ctype, body = request(pki)
    assert failing(soap(ctype.replace("application/xop+xml", "text/xml"), body, pki)) == {"DMP-T01"}
    assert failing(soap(ctype.replace('start-info="application/soap+xml"', 'start-info="text/xml"'), body, pki)) == {
        "DMP-T01"
    }
    assert failing(soap("application/soap+xml", body, pki)) == {"DMP-T01"}
    truncated = soap(ctype, body[:200], pki)
    assert failing(truncated) == {"DMP-T01"}


@pytest.mark.requirements("DMP-T02")
def test_wrong_action_fails_t02(pki: TestPKI) -> None:
    assert failing(soap(*request(pki, action="urn:ihe:iti:2007:RegistryStoredQuery"), pki)) == {"DMP-T02"}


@pytest.mark.requirements("DMP-V08")
def test_vihf_for_another_patient_fails_v08(pki: TestPKI) -> None:
    token = vihf(pki, resource_id="279035121518989^^^&1.2.250.1.213.1.4.10&ISO^NH")
    assert failing(soap(*request(pki, token=token), pki)) == {"DMP-V08"}


@pytest.mark.requirements("DMP-V01")
def test_two_assertions_fail_v01(pki: TestPKI) -> None:
    env = etree.fromstring(envelope(b.pnr_root(), vihf(pki), "https://localhost/dmp"))
    sec = env.find(".//{http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd}Security")
    sec.append(vihf(pki))
    assert failing(soap(*mtom_request(etree.tostring(env), {}), pki)) == {"DMP-V01"}


def exchange(outcome: dict[str, object], status: str, errors: list[dict[str, str]]) -> list[Finding]:
    data = json.dumps({"outcome": outcome, "registry": {"status": status, "errors": errors}}).encode()
    return b.run("dmp-exchange", data, name="x.json")


ERR = [{"errorCode": "XDSRegistryError", "codeContext": "DMP ferme"}]


@pytest.mark.requirements("DMP-R01")
def test_r01_outcome_must_match_the_registry_answer() -> None:
    assert failing(exchange({"status": "ok"}, "Success", [])) == set()
    assert failing(exchange({"status": "error"}, "Success", [])) == {"DMP-R01"}
    assert failing(exchange({"status": "ok", "detail": "XDSRegistryError DMP ferme"}, "Failure", ERR)) == {"DMP-R01"}
    assert failing(exchange({"status": "error", "detail": "échec"}, "Failure", ERR)) == {"DMP-R01"}
    assert failing(exchange({"status": "error", "detail": "XDSRegistryError (DMP ferme)"}, "Failure", ERR)) == set()
    bad = b.run("dmp-exchange", b"{not json", name="x.json")
    assert failing(bad) == {"DMP-R01"}


@pytest.mark.requirements("DMP-T01", "DMP-V02")
def test_saved_mtom_body_is_judged_in_artifact_mode(pki: TestPKI) -> None:
    """`conformance validate request.mime`: no HTTP headers, the boundary is read from the body."""
    ctype, body = request(pki)
    anchors = CheckContext(extra={"ca_bundle": str(pki.ca_bundle), "crl": str(pki.crl)})
    found = [f for f in b.run("soap", body, anchors, "req.mime") if f.requirement != "DMP-S02"]
    assert failing(found) == set()
    assert Verdict.NOT_APPLICABLE in {f.verdict for f in found if f.requirement == "DMP-T01"}
    assert Verdict.PASS in {f.verdict for f in found if f.requirement == "DMP-V02"}
    # no capture time: IssueInstant is not compared with one, and the finding says why
    v09 = [f for f in found if f.requirement == "DMP-V09" and f.verdict is Verdict.NOT_APPLICABLE]
    assert v09 and "give --at" in v09[0].message_en
    # no trust anchor: the signer's trust is not evaluated, never passed
    bare = [f for f in b.run("soap", body, CheckContext(), "req.mime") if f.requirement == "DMP-V02"]
    assert {f.verdict for f in bare} == {Verdict.NOT_APPLICABLE}
