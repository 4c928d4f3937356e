"""The stand-in e-prescription service: FHIR REST semantics, refusals, mutual TLS, journal, curl."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import urllib.error

import pytest

from conformance.socles.eprescription.service import MAX_BODY, PrescriptionService, number_is_valid
from tests.socles.eprescription.helpers import GOOD, LINE1, Client, res, variant

GOOD_BYTES = GOOD.read_bytes()


def test_metadata_is_a_capability_statement(client: Client) -> None:
    status, body = client.call("GET", "/metadata")
    assert status == 200 and body["resourceType"] == "CapabilityStatement"
    assert body["fhirVersion"] == "4.0.1" and "CNAM" in body["description"]


@pytest.mark.requirements("EP-25")
def test_create_assigns_a_unique_checked_number(client: Client) -> None:
    s1, b1 = client.call("POST", "/Bundle", GOOD_BYTES)
    s2, b2 = client.call("POST", "/Bundle", GOOD_BYTES)
    assert s1 == s2 == 201
    n1, n2 = b1["identifier"]["value"], b2["identifier"]["value"]
    assert n1 != n2 and number_is_valid(n1) and number_is_valid(n2)
    assert not number_is_valid(n1[:-1] + str((int(n1[-1]) + 1) % 10))
    status, read = client.call("GET", f"/Bundle/{n1}")
    assert status == 200 and read["identifier"]["value"] == n1


def test_search_by_patient_and_cancel(client: Client) -> None:
    _, created = client.call("POST", "/Bundle", GOOD_BYTES)
    number = created["identifier"]["value"]
    status, found = client.call("GET", "/Bundle?patient=urn:oid:1.2.250.1.213.1.4.10|238047505612394")
    assert status == 200 and found["type"] == "searchset"
    assert number in [e["resource"]["id"] for e in found["entry"]]
    status, cancelled = client.call("POST", f"/Bundle/{number}/$cancel", b"")
    assert status == 200
    lines = [e["resource"] for e in cancelled["entry"] if e["resource"]["resourceType"] == "MedicationRequest"]
    assert lines and all(r["status"] == "cancelled" for r in lines)
    assert client.call("POST", f"/Bundle/{number}/$cancel", b"")[0] == 409
    assert client.call("POST", "/Bundle/EP0000000000000/$cancel", b"")[0] == 404
    assert client.call("GET", "/Bundle")[0] == 400


@pytest.mark.parametrize(
    "body,ctype,status",
    [
        (b"{not json", "application/fhir+json", 400),
        (b"\xff\xfe", "application/fhir+json", 400),
        (b'{"resourceType": "Patient"}', "application/fhir+json", 400),
        (b"[1, 2]", "application/fhir+json", 400),
        (b'{"resourceType": "Bundle", "type": "collection", "entry": []}', "application/fhir+json", 422),
        (GOOD_BYTES, "text/plain", 415),
        (GOOD_BYTES, "application/fhir+json; fhirVersion=5.0", 415),
        (b"[" * 100_000 + b"]" * 100_000, "application/fhir+json", 400),
    ],
    ids=["bad-json", "not-utf8", "not-bundle", "array", "no-line", "text-plain", "r5", "deep-nesting"],
)
def test_bad_input_gets_an_operation_outcome(client: Client, body: bytes, ctype: str, status: int) -> None:
    got, outcome = client.call("POST", "/Bundle", body, ctype)
    assert got == status
    assert outcome["resourceType"] == "OperationOutcome" and outcome["issue"][0]["diagnostics"]
    assert "Traceback" not in json.dumps(outcome)


def test_oversized_body_is_413(client: Client) -> None:
    try:
        status, outcome = client.call("POST", "/Bundle", b" " * (MAX_BODY + 1))
    except (urllib.error.URLError, ConnectionError):  # the server may close before the client is done
        return
    assert status == 413 and outcome["resourceType"] == "OperationOutcome"


def test_unknown_route_and_method(client: Client) -> None:
    assert client.call("GET", "/Patient/1")[0] == 404
    assert client.call("DELETE", "/Bundle/1")[0] == 405


@pytest.mark.requirements("EP-03", "EP-26")
def test_strict_policy_refuses_rule_violations_with_their_ids(client: Client, service: PrescriptionService) -> None:
    bad = variant(lambda b: res(b, LINE1).pop("requester"))
    status, outcome = client.call("POST", "/Bundle", json.dumps(bad).encode())
    assert status == 422
    rules = {c["code"] for i in outcome["issue"] for c in i.get("details", {}).get("coding", [])}
    assert "EP-03" in rules
    assert any("requester" in e for i in outcome["issue"] for e in i.get("expression", []))
    service.policy = "record"
    assert client.call("POST", "/Bundle", json.dumps(bad).encode())[0] == 201


def test_client_certificate_is_required(service: PrescriptionService) -> None:
    with pytest.raises((urllib.error.URLError, ssl.SSLError, ConnectionError)):
        Client(service, client_cert=False).call("GET", "/metadata")


def test_every_exchange_is_journaled(client: Client, service: PrescriptionService) -> None:
    mark = service.mark()
    client.call("POST", "/Bundle", GOOD_BYTES)
    client.call("POST", "/Bundle", b"{")
    seen = service.exchanges_since(mark)
    assert [ex.status for ex, _ in seen] == [201, 400]
    assert all(ref is not None and ref.kind == "fhir" for _, ref in seen)
    kinds = [r.kind for r in service.journal.refs()]
    assert kinds.count("eprescription-exchange") >= 2


def test_curl_is_a_client(service: PrescriptionService) -> None:
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    pki = service.pki
    base = [
        curl,
        "-sS",
        "--max-time",
        "10",
        "--cacert",
        str(pki.ca_bundle),
        "--cert",
        str(pki.client_cert),
        "--key",
        str(pki.client_key),
    ]
    out = subprocess.run(
        [
            *base,
            "-w",
            "\n%{http_code}",
            "-H",
            "Content-Type: application/fhir+json",
            "--data-binary",
            f"@{GOOD}",
            f"{service.base_url}/Bundle",
        ],
        capture_output=True,
        text=True,
        timeout=20,
    )
    body, _, code = out.stdout.rpartition("\n")
    assert code == "201", out.stderr
    number = json.loads(body)["identifier"]["value"]
    meta = subprocess.run([*base, f"{service.base_url}/Bundle/{number}"], capture_output=True, text=True, timeout=20)
    assert json.loads(meta.stdout)["id"] == number
    refused = subprocess.run(
        [curl, "-sS", "--max-time", "10", "--cacert", str(pki.ca_bundle), f"{service.base_url}/metadata"],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert refused.returncode != 0  # no client certificate: no answer
