"""The mock DMP's reading side: TD0.2 (FHIR stand-in), ITI-18 stored queries, ITI-43 retrieve, the
client certificate of each exchange; and the demo DUI's verbs dmp.find and dmp.retrieve on them."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from lxml import etree

from conformance import identities
from conformance.drivers.base import Action
from conformance.formats.pki import TestPKI
from conformance.socles.dmp.reference.client import DmpConfig, DmpTls, exchange
from conformance.socles.dmp.reference.consult import (
    FIND_DOCUMENTS,
    GET_DOCUMENTS,
    find_documents,
    retrieve,
    stored_query,
)
from conformance.socles.dmp.service.query import GET_RELATED, literals
from conformance.socles.dmp.service.store import REPOSITORY_ID

from .helpers import INS_CX, PATIENT, demo_for, running_dmp, vihf

FEED = {"type_code": "11506-3", "type_display": "CR ou fiche de suivi de soins par auxiliaire médical"}
CURL = shutil.which("curl")
RPLC = "urn:ihe:iti:2007:AssociationType:RPLC"


def test_query_literals_are_read_like_ebrim() -> None:
    assert literals(["('a','b')", "'c'", "('it''s')", "12"]) == ["a", "b", "c", "it's", "12"]


@pytest.mark.requirements("DMP-H04", "DMP-H03")
def test_find_get_related_and_retrieve_what_was_fed(pki: TestPKI, tmp_path: Path) -> None:
    with running_dmp(pki, tmp_path) as dmp:
        dui = demo_for(dmp)
        first = dui.act(Action("dmp.feed", {"patient": PATIENT, "document": FEED}))
        old = first.data["document_unique_id"]
        second = dui.act(Action("dmp.feed", {"patient": PATIENT, "document": FEED, "replace_of": old}))
        assert second.status == "ok", second.detail
        new = second.data["document_unique_id"]
        found = dui.act(Action("dmp.find", {"patient": PATIENT}))
        listed = {d["unique_id"]: d for d in found.data["documents"]}
        assert found.ok and new in listed and old not in listed  # Approved only by default
        everything = dui.act(Action("dmp.find", {"patient": PATIENT, "include_deprecated": True}))
        statuses = {d["unique_id"]: d["status"] for d in everything.data["documents"]}
        assert statuses[old] == "Deprecated" and statuses[new] == "Approved"
        cfg = DmpConfig.from_settings(dmp.settings())
        related = stored_query(
            cfg,
            vihf(pki),
            GET_RELATED,
            {"$XDSDocumentEntryUniqueId": [f"'{new}'"], "$AssociationTypes": [f"('{RPLC}')"]},
            DmpTls(),
        )
        assert related.ok and {d["unique_id"] for d in related.documents} == {old, new}
        got = dui.act(
            Action(
                "dmp.retrieve", {"patient": PATIENT, "repository_id": listed[new]["repository_id"], "unique_id": new}
            )
        )
        stored = dmp.records[INS_CX].documents[new]
        assert got.ok and got.data["sha1"] == hashlib.sha1(stored.data).hexdigest() and got.data["size"] > 1000
        # the replacement looked the old document up first (ITI-18 GetDocuments) before its RPLC feed
        order = [ex.transaction for ex in dmp.log.since(0)]
        assert order[:2] == ["TD0.2", "ITI-41"] and order[2:5] == ["TD0.2", "ITI-18", "ITI-41"]


@pytest.mark.requirements("DMP-H04")
def test_query_and_retrieve_errors_are_ihe_codes(pki: TestPKI, tmp_path: Path) -> None:
    with running_dmp(pki, tmp_path) as dmp:
        cfg = DmpConfig.from_settings(dmp.settings())
        token = vihf(pki)
        missing = stored_query(cfg, token, FIND_DOCUMENTS, {"$XDSDocumentEntryPatientId": [f"'{INS_CX}'"]}, DmpTls())
        assert not missing.ok and missing.errors[0]["errorCode"] == "XDSStoredQueryParamNumber"
        unknown = stored_query(cfg, token, "urn:uuid:00000000-0000-0000-0000-000000000000", {}, DmpTls())
        assert unknown.errors[0]["errorCode"] == "XDSUnknownStoredQuery"
        stranger = "999999999999999^^^&1.2.250.1.213.1.4.10&ISO^NH"
        nobody = find_documents(cfg, vihf(pki, resource_id=stranger), stranger, DmpTls())
        assert nobody.errors[0]["errorCode"] == "XDSUnknownPatientId"
        # a token for one patient never lists another's documents
        other = find_documents(cfg, token, stranger, DmpTls())
        assert other.errors[0]["errorCode"] == "XDSPatientIdDoesNotMatch"
        empty = stored_query(cfg, token, GET_DOCUMENTS, {"$XDSDocumentEntryUniqueId": ["('1.2.3')"]}, DmpTls())
        assert empty.ok and empty.documents == []
        data, errors = retrieve(cfg, token, REPOSITORY_ID, "1.2.3.4", DmpTls())
        assert data is None and errors[0]["errorCode"] == "XDSDocumentUniqueIdError"
        data, errors = retrieve(cfg, token, "9.9.9", "1.2.3.4", DmpTls())
        assert data is None and errors[0]["errorCode"] == "XDSUnknownRepositoryId"
        unsigned = stored_query(cfg, vihf(pki, cert="rogue_cert", key="rogue_key"), FIND_DOCUMENTS, {}, DmpTls())
        assert not unsigned.ok and "VIHF refused" in unsigned.errors[0]["codeContext"]
        status, _, body = exchange(
            cfg,
            "POST",
            cfg.query_url,
            b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>",
            {"Content-Type": "application/soap+xml"},
            DmpTls(),
        )
        assert status == 400 and b"Fault" in body and b"root:" not in body
        hostile = dmp.log.since(0)[-1]  # the XXE request is in the journal, answered by a fault
        assert hostile.transaction == "ITI-18" and hostile.status == "Fault" and b"ENTITY" in hostile.request


@pytest.mark.requirements("DMP-R02")
def test_td02_says_whether_an_active_dmp_exists(pki: TestPKI, tmp_path: Path) -> None:
    with running_dmp(pki, tmp_path) as dmp:
        cfg = DmpConfig.from_settings(dmp.settings())

        def ask(key: str) -> tuple[int, dict]:  # type: ignore[type-arg]
            p = identities.patient(key)
            status, ctype, body = exchange(
                cfg, "GET", f"{cfg.td02_url}?identifier=urn:oid:{p['ins_oid']}|{p['ins']}", None, {}, DmpTls()
            )
            assert ctype.startswith("application/fhir+json")
            return status, json.loads(body)

        assert ask("resident-qualified")[1]["total"] == 1
        assert ask("resident-corsica")[1]["total"] == 0  # closed: no active DMP (PDSM4DMP TD02)
        assert ask("unknown-patient")[1]["total"] == 0
        dmp.td02_stale = True
        assert ask("resident-corsica")[1]["total"] == 1
        status, _, body = exchange(cfg, "GET", f"{cfg.td02_url}?identifier=nonsense", None, {}, DmpTls())
        assert status == 400 and json.loads(body)["resourceType"] == "OperationOutcome"
        closed = demo_for(dmp).act(
            Action("dmp.feed", {"patient": identities.patient("resident-corsica"), "document": FEED})
        )
        assert closed.status == "error" and "XDSRegistryError" in closed.detail  # the DUI tried, the DMP refused
        dmp.td02_stale = False
        refused = demo_for(dmp).act(
            Action("dmp.feed", {"patient": identities.patient("resident-corsica"), "document": FEED})
        )
        assert refused.status == "refused" and "TD0.2" in refused.detail


@pytest.mark.requirements("DMP-H02")
def test_every_exchange_records_the_client_certificate(pki: TestPKI, tmp_path: Path) -> None:
    with running_dmp(pki, tmp_path) as dmp:
        demo_for(dmp).act(Action("dmp.feed", {"patient": PATIENT, "document": FEED}))
        client = x509.load_pem_x509_certificate(pki.client_cert.read_bytes())
        for ex in dmp.log.since(0):
            assert ex.client_cert is not None
            assert x509.load_der_x509_certificate(ex.client_cert) == client


@pytest.mark.skipif(CURL is None, reason="curl is not installed")
@pytest.mark.requirements("DMP-H04")
def test_curl_can_search_and_check_status(pki: TestPKI, tmp_path: Path) -> None:
    from conformance.socles.dmp.build.xds import envelope
    from conformance.socles.dmp.reference.consult import _adhoc

    with running_dmp(pki, tmp_path) as dmp:
        s = dmp.settings()
        tls = [
            "--silent",
            "--show-error",
            "--cacert",
            s["ca_bundle"],
            "--cert",
            s["client_cert"],
            "--key",
            s["client_key"],
            "--max-time",
            "20",
        ]
        got = subprocess.run(
            [
                str(CURL),
                *tls,
                "-G",
                "--data-urlencode",
                f"identifier=urn:oid:{PATIENT['ins_oid']}|{PATIENT['ins']}",
                s["td02_url"],
            ],
            capture_output=True,
            timeout=30,
            check=False,
        )
        assert got.returncode == 0 and json.loads(got.stdout)["total"] == 1
        query = _adhoc(
            FIND_DOCUMENTS,
            {
                "$XDSDocumentEntryPatientId": [f"'{INS_CX}'"],
                "$XDSDocumentEntryStatus": ["('urn:oasis:names:tc:ebxml-regrep:StatusType:Approved')"],
            },
        )
        body = tmp_path / "query.xml"
        body.write_bytes(envelope(query, vihf(pki), s["query_url"], "urn:ihe:iti:2007:RegistryStoredQuery"))
        got = subprocess.run(
            [str(CURL), *tls, "-H", "Content-Type: application/soap+xml", "--data-binary", f"@{body}", s["query_url"]],
            capture_output=True,
            timeout=30,
            check=False,
        )
        assert got.returncode == 0, got.stderr
        root = etree.fromstring(got.stdout)
        resp = root.find(".//{urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0}AdhocQueryResponse")
        assert resp is not None and resp.get("status", "").endswith("Success")
