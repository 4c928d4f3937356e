"""The e-prescription stand-in is strict like a téléservice: payload limits answered as clean FHIR errors,
the prescribing structure bound to the client certificate (a revoked certificate never gets past the
handshake: tests/formats/test_tls.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .helpers import GOOD, ORGANIZATION, Client

GOOD_DOC: dict[str, Any] = json.loads(GOOD.read_text(encoding="utf-8"))


def _with(change: Any) -> bytes:
    doc = json.loads(json.dumps(GOOD_DOC))
    change(doc)
    return json.dumps(doc).encode()


def _issue(body: Any) -> dict[str, Any]:
    assert body["resourceType"] == "OperationOutcome"
    issue: dict[str, Any] = body["issue"][0]
    return issue


@pytest.mark.parametrize(
    ("name", "payload", "status", "code", "words"),
    [
        (
            "a 5000-digit integer",
            b'{"resourceType": "Bundle", "total": ' + b"9" * 5000 + b"}",
            400,
            "structure",
            "5000",
        ),
        ("an infinite decimal", b'{"resourceType": "Bundle", "total": 1e999}', 400, "structure", "hors limites"),
        ("a lone surrogate", b'{"resourceType": "Bundle", "id": "\\ud800"}', 400, "structure", "UTF-16"),
        (
            "nesting 200 deep",
            b'{"resourceType": "Bundle", "x": ' + b"[" * 200 + b"]" * 200 + b"}",
            400,
            "too-costly",
            "64",
        ),
        (
            "2000 entries",
            json.dumps({"resourceType": "Bundle", "entry": [{}] * 2000}).encode(),
            400,
            "too-costly",
            "2000",
        ),
        ("a duplicate key", b'{"resourceType": "Bundle", "type": "a", "type": "b"}', 400, "structure", "double"),
    ],
)
def test_payload_limits_are_clean_fhir_errors(
    client: Client, name: str, payload: bytes, status: int, code: str, words: str
) -> None:
    got, body = client.call("POST", "/Bundle", payload)
    issue = _issue(body)
    assert (got, issue["code"]) == (status, code), (name, body)
    assert words in issue["diagnostics"], (name, issue)


def test_prescribing_structure_must_be_the_certificates(client: Client) -> None:
    def other_structure(doc: dict[str, Any]) -> None:
        org = doc["entry"][ORGANIZATION]["resource"]
        org["identifier"] = [{"system": "https://finess.esante.gouv.fr", "value": "990000002"}]

    status, body = client.call("POST", "/Bundle", _with(other_structure))
    issue = _issue(body)
    assert status == 403 and issue["code"] == "forbidden" and "990000002" in issue["diagnostics"]
    assert "990000001" in issue["diagnostics"]  # the certificate's structure is named
    assert client.call("POST", "/Bundle", GOOD.read_bytes())[0] == 201
