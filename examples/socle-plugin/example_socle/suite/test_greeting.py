"""The greeting scenario: the DUI greets a resident, the service captures it, the check judges it."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.drivers.base import Action
from conformance.model import Artifact, CheckContext

RESIDENT = {"family": "ESSAI", "given": "Marie"}


@pytest.mark.requirements("GRT-01", "GRT-02")
def test_greeting(greeter: Any, dui: Any, verify: Any) -> None:
    """Salutation d'un résident"""
    since = len(greeter.received)
    outcome = dui.act(Action("greeting.send", {"resident": RESIDENT}))
    received = greeter.wait(since, dui.traffic_timeout) if outcome.ok else []
    if not received:
        facts = {"status": outcome.status, "detail": outcome.detail, "received": len(received)}
        for rid in verify.declared:
            verify.observe(rid, "nothing-received", facts, "driver outcome")
    for body, ref in received:
        art = Artifact("greeting", ref.path, body, meta={"evidence_ref": ref})
        verify.artifact(art, CheckContext(patient=RESIDENT))
