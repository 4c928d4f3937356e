"""The checks on the DUI's traffic beyond the feed: ITI-18/ITI-43 requests (DMP-H04), the status check
before feeding (DMP-R02), the replacement chain (DMP-H03) and the TLS client certificate (DMP-H02).
Each is shown to pass on what the reference DUI does and to fail, naming the place, on a bad input."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from conformance.formats.pki import TestPKI
from conformance.model import Artifact, CheckContext, Finding, Verdict
from conformance.socles.dmp.build.xds import envelope
from conformance.socles.dmp.reference.consult import FIND_DOCUMENTS, _adhoc

from .helpers import INS_CX, PATIENT, checked, vihf

ITI18 = "urn:ihe:iti:2007:RegistryStoredQuery"
APPROVED = "('urn:oasis:names:tc:ebxml-regrep:StatusType:Approved')"
RPLC = "urn:ihe:iti:2007:AssociationType:RPLC"


def _verdicts(findings: Any, rid: str) -> list[Verdict]:
    return [f.verdict for f in findings if f.requirement == rid]


def _fails(findings: list[Finding], rid: str, text: str) -> None:
    bad = [f for f in findings if f.requirement == rid and f.verdict is Verdict.FAIL]
    assert bad and any(text in f.message_en for f in bad), [(f.verdict, f.message_en) for f in findings]
    assert all(f.location for f in bad)


def _ctx(pki: TestPKI) -> CheckContext:
    return CheckContext(patient=PATIENT, extra={"ca_bundle": str(pki.ca_bundle)})


def _query(pki: TestPKI, params: dict[str, list[str]] | None = None, action: str = ITI18, **vihf_kw: Any) -> bytes:
    params = (
        params
        if params is not None
        else {"$XDSDocumentEntryPatientId": [f"'{INS_CX}'"], "$XDSDocumentEntryStatus": [APPROVED]}
    )
    return envelope(_adhoc(FIND_DOCUMENTS, params), vihf(pki, **vihf_kw), "https://dmp.test/q", action)


def _consult(pki: TestPKI, data: bytes, transaction: str = "ITI-18") -> list[Finding]:
    art = Artifact("dmp-consult", "q.xml", data, {"transaction": transaction, "content_type": "application/soap+xml"})
    return checked(art, _ctx(pki))


@pytest.mark.requirements("DMP-H04")
def test_consult_passes_a_well_formed_stored_query(pki: TestPKI) -> None:
    assert _verdicts(_consult(pki, _query(pki)), "DMP-H04") == [Verdict.PASS]


@pytest.mark.requirements("DMP-H04")
def test_consult_fails_each_departure(pki: TestPKI) -> None:
    _fails(
        _consult(pki, _query(pki, action="urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b")), "DMP-H04", "wsa:Action"
    )
    _fails(
        _consult(pki, _query(pki, {"$XDSDocumentEntryPatientId": [f"'{INS_CX}'"]})),
        "DMP-H04",
        "$XDSDocumentEntryStatus",
    )
    _fails(
        _consult(pki, _query(pki, {"$XDSDocumentEntryPatientId": [INS_CX], "$XDSDocumentEntryStatus": [APPROVED]})),
        "DMP-H04",
        "quoted literal",
    )
    _fails(_consult(pki, _query(pki, cert="rogue_cert", key="rogue_key")), "DMP-H04", "VIHF signature")
    _fails(
        _consult(pki, _query(pki, resource_id="111111111111111^^^&1.2.250.1.213.1.4.10&ISO^NH")),
        "DMP-H04",
        "resource-id",
    )
    _fails(
        _consult(pki, b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>"),
        "DMP-H04",
        "not a SOAP envelope",
    )
    retrieve = etree.Element("{urn:ihe:iti:xds-b:2007}RetrieveDocumentSetRequest")
    etree.SubElement(
        etree.SubElement(retrieve, "{urn:ihe:iti:xds-b:2007}DocumentRequest"),
        "{urn:ihe:iti:xds-b:2007}RepositoryUniqueId",
    ).text = "1.2.3"
    data = envelope(retrieve, vihf(pki), "https://dmp.test/r", "urn:ihe:iti:2007:RetrieveDocumentSet")
    _fails(_consult(pki, data, "ITI-43"), "DMP-H04", "without DocumentUniqueId")


def _step(state: str, transactions: list[str], ins: str = PATIENT["ins"]) -> Artifact:
    obs = {
        "ins": ins,
        "dmp_status": state,
        "outcome": {},
        "exchanges": [
            {
                "seq": i,
                "transaction": t,
                "status": "Success",
                "query": f"identifier=urn%3Aoid%3A1.2.250.1.213.1.4.10%7C{ins}" if t == "TD0.2" else "",
            }
            for i, t in enumerate(transactions)
        ],
    }
    return Artifact("dmp-step", "step.json", json.dumps(obs).encode())


@pytest.mark.requirements("DMP-R02")
def test_status_before_feed() -> None:
    ctx = CheckContext()
    assert _verdicts(checked(_step("active", ["TD0.2", "ITI-41"]), ctx), "DMP-R02") == [Verdict.PASS]
    assert _verdicts(checked(_step("closed", ["TD0.2"]), ctx), "DMP-R02") == [Verdict.PASS]
    _fails((checked(_step("active", ["ITI-41", "TD0.2"]), ctx)), "DMP-R02", "without checking")
    _fails((checked(_step("closed", ["TD0.2", "ITI-41"]), ctx)), "DMP-R02", "closed")
    _fails((checked(_step("none", []), ctx)), "DMP-R02", "no TD0.2")
    _fails((checked(Artifact("dmp-step", "s.json", b"{not json"), ctx)), "DMP-R02", "unreadable")
    assert _verdicts(checked(_step("active", ["TD0.2"]), ctx), "DMP-R02") == [Verdict.NOT_APPLICABLE]


def _chain(**change: Any) -> Artifact:
    obs: dict[str, Any] = {
        "old": "1.1",
        "new": "1.2",
        "documents": [
            {"unique_id": "1.1", "entry_uuid": "urn:uuid:a", "status": "urn:x:StatusType:Deprecated"},
            {"unique_id": "1.2", "entry_uuid": "urn:uuid:b", "status": "urn:x:StatusType:Approved"},
        ],
        "associations": [{"type": RPLC, "source": "urn:uuid:b", "target": "urn:uuid:a"}],
        "lookups": [{"seq": 3, "query": "GetDocuments", "params": {}, "status": "Success"}],
        "replacing_feed_seq": 4,
    }
    obs.update(change)
    return Artifact("dmp-chain", "chain.json", json.dumps(obs).encode())


@pytest.mark.requirements("DMP-H03")
def test_replacement_chain() -> None:
    ctx = CheckContext()
    assert _verdicts(checked(_chain(), ctx), "DMP-H03") == [Verdict.PASS]
    _fails((checked(_chain(lookups=[]), ctx)), "DMP-H03", "without looking it up")
    late = [{"seq": 5, "query": "GetDocuments", "params": {}, "status": "Success"}]
    _fails((checked(_chain(lookups=late), ctx)), "DMP-H03", "without looking it up")
    _fails((checked(_chain(associations=[]), ctx)), "DMP-H03", "0 RPLC")
    docs = [
        {"unique_id": "1.1", "entry_uuid": "urn:uuid:a", "status": "urn:x:StatusType:Approved"},
        {"unique_id": "1.2", "entry_uuid": "urn:uuid:b", "status": "urn:x:StatusType:Approved"},
    ]
    _fails((checked(_chain(documents=docs), ctx)), "DMP-H03", "not Deprecated")
    _fails((checked(_chain(new="9.9"), ctx)), "DMP-H03", "is not in the DMP")


def _der(pki: TestPKI, attr: str) -> bytes:
    cert = x509.load_pem_x509_certificate(pki.path(attr).read_bytes())
    return cert.public_bytes(serialization.Encoding.DER)


@pytest.mark.requirements("DMP-H02")
def test_client_certificate(pki: TestPKI) -> None:
    ctx = CheckContext(extra={"ca_bundle": str(pki.ca_bundle)})

    def run(der: bytes, structure: str = "1990000001") -> list[Finding]:
        return checked(Artifact("dmp-client-cert", "tls", der, {"vihf_structure": structure}), ctx)

    assert _verdicts(run(_der(pki, "client_cert")), "DMP-H02") == [Verdict.PASS]
    _fails(run(_der(pki, "signing_cert")), "DMP-H02", "clientAuth")
    _fails(run(_der(pki, "rogue_cert")), "DMP-H02", "not the IGC-Santé")
    _fails(run(_der(pki, "client_cert"), "1123456789"), "DMP-H02", "names structure")
    _fails(run(b""), "DMP-H02", "no client certificate")
    _fails(run(b"\x30\x03garbage"), "DMP-H02", "unreadable")


@pytest.mark.requirements("DMP-H04")
def test_validate_recognises_a_saved_search(pki: TestPKI) -> None:
    from conformance.engine.validate import validate_bytes

    good = validate_bytes("query.xml", _query(pki))
    assert good.kind == "dmp-consult" and good.verdict == "pass", [f.message_en for f in good.findings]
    bad = validate_bytes("query.xml", _query(pki, {"$XDSDocumentEntryPatientId": [f"'{INS_CX}'"]}))
    assert bad.verdict == "fail" and any("$XDSDocumentEntryStatus" in f.message_en for f in bad.findings)
