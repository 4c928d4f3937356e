"""The mock DMP's gate refuses what the real DMP refuses: a VIHF whose signer the IGC-Santé CA has revoked
is refused once the gate has the CA's CRL (issue 12: revocation checked in scenarios too)."""

from __future__ import annotations

import pytest
from lxml import etree

from conformance.formats.ebrim import ITI41
from conformance.formats.pki import TestPKI
from conformance.socles.dmp.build.xds import envelope
from conformance.socles.dmp.service.gate import Admitted, Answer, admit

from .helpers import vihf


def _request(pki: TestPKI, cert: str, key: str) -> etree._Element:
    body = etree.Element("{urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0}SubmitObjectsRequest")
    return etree.fromstring(envelope(body, vihf(pki, cert=cert, key=key), "https://dmp.test/iti41"))


@pytest.mark.requirements("DMP-V02")
def test_a_revoked_signer_is_refused_with_the_crl(pki: TestPKI) -> None:
    revoked = _request(pki, "revoked_cert", "revoked_key")
    refused = admit(revoked, ITI41, str(pki.ca_bundle), str(pki.crl))
    assert isinstance(refused, Answer) and refused.status == "Fault" and refused.http_status == 400
    assert "revoked" in refused.errors[0].context and refused.errors[0].code == "wsse:FailedAuthentication"
    # without the CRL the gate cannot know (this is why the service hands it its CRL)
    assert isinstance(admit(revoked, ITI41, str(pki.ca_bundle)), Admitted)
    good = _request(pki, "signing_cert", "signing_key")
    assert isinstance(admit(good, ITI41, str(pki.ca_bundle), str(pki.crl)), Admitted)
