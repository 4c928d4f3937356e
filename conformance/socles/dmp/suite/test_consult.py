"""Finding and reading back what was fed (ITI-18 stored query, ITI-43 retrieve): the DUI's searches
are judged as requests, and what they return is compared with what the mock DMP really holds."""

from __future__ import annotations

import hashlib

import pytest

from conformance.engine.verifier import Verifier
from conformance.socles.dmp.fixtures import DmpHarness, Fed, document


def _nothing_fed(verify: Verifier, fed: Fed, uid: str) -> None:
    facts = {**fed.facts(), "document": uid, "replacement": False}
    for rid in verify.declared:
        verify.observe(rid, "feed.precondition", facts, "driver outcome")


@pytest.mark.requirements("DMP-H04")
def test_find_what_was_fed(dmp: DmpHarness, verify: Verifier) -> None:
    """Recherche (ITI-18 FindDocuments) : le DUI retrouve le document qu'il a versé"""
    fed = dmp.feed("resident-second", document("suivi", "Fiche de suivi à retrouver"))
    uid = str(fed.outcome.data.get("document_unique_id") or "")
    if not (fed.outcome.ok and uid):
        _nothing_fed(verify, fed, uid)
        return
    found = dmp.step("dmp.find", "resident-second", {})
    found.check_consult(verify)
    facts = {**found.facts(), "id": uid, "documents": found.outcome.data.get("documents") or []}
    verify.observe("DMP-H04", "consult.search", facts, "driver outcome (dmp.find)")


@pytest.mark.requirements("DMP-H04")
def test_retrieve_what_was_fed(dmp: DmpHarness, verify: Verifier) -> None:
    """Consultation (ITI-43) : le document restitué est, octet pour octet, celui versé"""
    fed = dmp.feed("resident-second", document("suivi", "Fiche de suivi à consulter"))
    uid = str(fed.outcome.data.get("document_unique_id") or "")
    stored = dmp.stored(uid)
    if not (fed.outcome.ok and stored is not None):
        _nothing_fed(verify, fed, uid if stored is not None else "")
        return
    got = dmp.step("dmp.retrieve", "resident-second", {"repository_id": dmp.repository_id, "unique_id": uid})
    got.check_consult(verify)
    want = hashlib.sha1(stored.data).hexdigest()
    facts = {**got.facts(), "sha1": got.outcome.data.get("sha1"), "expected": want, "size": len(stored.data)}
    verify.observe("DMP-H04", "consult.retrieve", facts, "driver outcome (dmp.retrieve)")
