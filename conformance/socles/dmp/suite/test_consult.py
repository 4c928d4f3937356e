"""Finding and reading back what was fed (ITI-18 stored query, ITI-43 retrieve): the DUI's searches
are judged as requests, and what they return is compared with what the mock DMP really holds."""

from __future__ import annotations

import hashlib

import pytest

from conformance.engine.verifier import Verifier
from conformance.model import not_applicable
from conformance.socles.dmp.fixtures import DmpHarness, document


def _precondition(verify: Verifier, why_en: str, why_fr: str) -> None:
    verify.record(
        [
            not_applicable(
                rid, f"precondition not met: {why_en}", f"précondition non remplie : {why_fr}", "driver outcome"
            )
            for rid in verify.declared
        ]
    )


@pytest.mark.requirements("DMP-H04")
def test_find_what_was_fed(dmp: DmpHarness, verify: Verifier) -> None:
    """Recherche (ITI-18 FindDocuments) : le DUI retrouve le document qu'il a versé"""
    fed = dmp.feed("resident-second", document("suivi", "Fiche de suivi à retrouver"))
    uid = str(fed.outcome.data.get("document_unique_id") or "")
    if not (fed.outcome.ok and uid):
        _precondition(verify, f"nothing was fed ({fed.outcome.detail})", "aucun document versé")
        return
    found = dmp.step("dmp.find", "resident-second", {})
    found.check_consult(verify)
    listed = [d.get("unique_id") for d in found.outcome.data.get("documents") or []]
    verify.expect(
        "DMP-H04",
        found.outcome.ok and uid in listed,
        f"the DUI's search did not list the document it fed ({uid}); answer: {found.outcome.detail}",
        f"la recherche du DUI ne liste pas le document versé ({uid}) ; réponse : {found.outcome.detail}",
        en_ok=f"the DUI's search lists the document it fed ({len(listed)} document(s))",
        fr_ok=f"la recherche du DUI liste le document versé ({len(listed)} document(s))",
        location="driver outcome (dmp.find)",
        evidence=found.outcome.to_json(),
    )


@pytest.mark.requirements("DMP-H04")
def test_retrieve_what_was_fed(dmp: DmpHarness, verify: Verifier) -> None:
    """Consultation (ITI-43) : le document restitué est, octet pour octet, celui versé"""
    fed = dmp.feed("resident-second", document("suivi", "Fiche de suivi à consulter"))
    uid = str(fed.outcome.data.get("document_unique_id") or "")
    stored = dmp.stored(uid)
    if not (fed.outcome.ok and stored is not None):
        _precondition(verify, f"nothing was fed ({fed.outcome.detail})", "aucun document versé")
        return
    got = dmp.step("dmp.retrieve", "resident-second", {"repository_id": dmp.repository_id, "unique_id": uid})
    got.check_consult(verify)
    want = hashlib.sha1(stored.data).hexdigest()
    verify.expect(
        "DMP-H04",
        got.outcome.ok and got.outcome.data.get("sha1") == want,
        f"the DUI did not get the fed document back (SHA-1 {got.outcome.data.get('sha1')}, expected {want})",
        f"le DUI n'a pas récupéré le document versé (SHA-1 {got.outcome.data.get('sha1')}, attendu {want})",
        en_ok=f"the document came back identical ({stored.data.__len__()} bytes)",
        fr_ok=f"document restitué à l'identique ({len(stored.data)} octets)",
        location="driver outcome (dmp.retrieve)",
        evidence=got.outcome.to_json(),
    )
