"""Sending two documents of one usager in one message."""

from __future__ import annotations

import pytest

from conformance.engine.verifier import Verifier
from conformance.socles.mssante.fixtures import MssHarness, doc_request

pytestmark = pytest.mark.sandbox("as-is")  # how it runs against a sandbox (conformance.engine.capture.plugin)


@pytest.mark.requirements("MSS-DOC-01", "MSS-DOC-02", "MSS-DOC-04", "MSS-DOC-05", "MSS-XDM-02", "MSS-XDM-03")
def test_two_documents_one_message(mss: MssHarness, verify: Verifier) -> None:
    """Deux documents dans un même message : un usager, une archive, deux copies PDF, objet « 2 documents »"""
    sent = mss.send(
        "resident-second",
        [doc_request("lettre"), doc_request("cr", service_date="2026-11-18")],
        ["hospital-service"],
    )
    sent.check(verify)
