"""What the long fuzzing profile found, kept as plain examples: each crashed a check before its fix."""

from __future__ import annotations

import json

import pytest
from lxml import etree

from conformance.model import Verdict

from .helpers import good_artifacts, judge

DS = "{http://www.w3.org/2000/09/xmldsig#}"


def _fails(name: str, data: bytes) -> set[str]:
    return {f.requirement for f in judge(name, data).findings if f.verdict is Verdict.FAIL}


@pytest.mark.requirements("DMP-V02")
def test_empty_signature_value_is_an_invalid_signature() -> None:
    """signxml base64-decoded the missing text (TypeError): now DMP-V02 fails, 'signature invalid'."""
    root = etree.fromstring(good_artifacts()["soap.xml"])
    value = root.find(f".//{DS}SignatureValue")
    assert value is not None
    value.text = None
    assert "DMP-V02" in _fails("soap.xml", etree.tostring(root))


@pytest.mark.requirements("MSS-MSG-03")
def test_quoted_printable_that_is_not_7bit() -> None:
    """A quoted-printable body the parser had already decoded to U+FFFD made decode_body raise."""
    head = (
        b"From: a@test-ci-sis.mssante.fr\r\nTo: b@test-ci-sis.mssante.fr\r\nMessage-ID: <f@z>\r\nMIME-Version: 1.0\r\n"
    )
    data = head + b"Content-Transfer-Encoding: quoted-printable\r\n\r\n" + good_artifacts()["IHE_XDM.zip"]
    assert "MSS-MSG-03" in _fails("message.eml", data)


@pytest.mark.requirements("EP-01")
def test_resource_type_that_is_not_a_string() -> None:
    """`"resourceType": []` reached a set lookup (unhashable list): now an unknown-type issue."""
    doc = json.loads(good_artifacts()["bundle.json"])
    doc["entry"][2]["resource"]["resourceType"] = []
    assert "EP-01" in _fails("bundle.json", json.dumps(doc).encode())
