"""Finding and reading back what was fed (ITI-18 stored query, ITI-43 retrieve): the DUI's searches
are judged as requests, and what they return is compared with what the mock DMP really holds."""

from __future__ import annotations

import hashlib

import pytest

from conformance.engine.verifier import Verifier
from conformance.socles.dmp.fixtures import DmpHarness, Fed, document
from conformance.socles.dmp.messages import M


def _nothing_fed(verify: Verifier, fed: Fed) -> None:
    verify.record(
        [
            M.not_applicable(rid, "feed.nothing-fed", "driver outcome", detail=fed.outcome.detail)
            for rid in verify.declared
        ]
    )


@pytest.mark.sandbox("as-is")
@pytest.mark.requirements("DMP-H04")
def test_find_what_was_fed(dmp: DmpHarness, verify: Verifier) -> None:
    """Recherche (ITI-18 FindDocuments) : le DUI retrouve le document qu'il a versé"""
    fed = dmp.feed("resident-second", document("suivi", "Fiche de suivi à retrouver"))
    uid = str(fed.outcome.data.get("document_unique_id") or "")
    if not (fed.outcome.ok and uid):
        _nothing_fed(verify, fed)
        return
    found = dmp.step("dmp.find", "resident-second", {})
    found.check_consult(verify)
    listed = [d.get("unique_id") for d in found.outcome.data.get("documents") or []]
    verify.expect(
        "DMP-H04",
        found.outcome.ok and uid in listed,
        M.text("consult.search-misses", id=uid, detail=found.outcome.detail),
        ok_text=M.text("consult.search-lists", count=len(listed)),
        location="driver outcome (dmp.find)",
        evidence=found.outcome.to_json(),
    )


@pytest.mark.sandbox("as-is")
@pytest.mark.requirements("DMP-H04")
def test_retrieve_what_was_fed(dmp: DmpHarness, verify: Verifier) -> None:
    """Consultation (ITI-43) : le document restitué est, octet pour octet, celui versé"""
    fed = dmp.feed("resident-second", document("suivi", "Fiche de suivi à consulter"))
    uid = str(fed.outcome.data.get("document_unique_id") or "")
    stored = dmp.stored(uid)
    if not (fed.outcome.ok and stored is not None):
        _nothing_fed(verify, fed)
        return
    got = dmp.step("dmp.retrieve", "resident-second", {"repository_id": dmp.repository_id, "unique_id": uid})
    got.check_consult(verify)
    want = hashlib.sha1(stored.data).hexdigest()
    verify.expect(
        "DMP-H04",
        got.outcome.ok and got.outcome.data.get("sha1") == want,
        M.text("consult.retrieved-differs", sha1=got.outcome.data.get("sha1"), expected=want),
        ok_text=M.text("consult.retrieved-same", size=len(stored.data)),
        location="driver outcome (dmp.retrieve)",
        evidence=got.outcome.to_json(),
    )
