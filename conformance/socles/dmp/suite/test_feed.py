"""Feeding the DMP (ITI-41): one document for a resident whose INS is qualified, judged rule by rule.

The rule scenarios of the N1 feed share one feed (the DUI is asked once) and each judges one
requirement on what the mock DMP captured: the MTOM/SOAP request, its VIHF, its XDS lot and XAdES
signature, the CDA documents, the TLS client certificate, the TD0.2 check before the feed, and
whether the DUI reported the DMP's answer faithfully.
"""

from __future__ import annotations

import pytest

from conformance.engine.verifier import Verifier
from conformance.socles.dmp.fixtures import DmpHarness, document
from conformance.socles.dmp.messages import M

N1_RULES = [
    ("DMP-T01", "Requête MTOM/XOP portant une enveloppe SOAP 1.2"),
    ("DMP-T02", "En-têtes WS-Addressing de l'ITI-41"),
    ("DMP-V01", "Structure de l'assertion VIHF"),
    ("DMP-V02", "Signature du VIHF vérifiée contre l'IGC-Santé de test"),
    ("DMP-V03", "Attributs obligatoires du VIHF"),
    ("DMP-V04", "Ressource_URN et Authentification_Mode"),
    ("DMP-V05", "Secteur_Activite du JDV_J61"),
    ("DMP-V06", "Rôle du VIHF dans JDV_J65"),
    ("DMP-V07", "PurposeOfUse « normal » pour un versement"),
    ("DMP-V08", "resource-id = INS du lot"),
    ("DMP-V09", "Version et fenêtre de validité du VIHF"),
    ("DMP-X01", "Lot de soumission : identifiants et date"),
    ("DMP-X02", "Lot de soumission : auteur et contentTypeCode"),
    ("DMP-X03", "Fiche : attributs obligatoires"),
    ("DMP-X04", "Fiche : hash et size de la partie MTOM"),
    ("DMP-X05", "Fiche : typeCode"),
    ("DMP-X06", "Fiche : classCode"),
    ("DMP-X07", "Fiche : formatCode"),
    ("DMP-X08", "Fiche : confidentialityCode"),
    ("DMP-X09", "Fiche : healthcareFacilityTypeCode et practiceSettingCode"),
    ("DMP-X10", "Auteur et validateur : XCN/XON"),
    ("DMP-X11", "Fiche : authorSpecialty"),
    ("DMP-X12", "Associations HasMember"),
    ("DMP-S01", "Entrée de signature du lot"),
    ("DMP-S02", "Signature XAdES du lot"),
    ("DMP-C02", "En-tête CDA : structuration minimale"),
    ("DMP-C04", "CDA N1 : corps PDF en base64"),
    ("DMP-C05", "CDA N1 : PDF/A-1 déclaré"),
    ("DMP-C06", "Cohérence CDA / métadonnées XDS"),
    ("DMP-C07", "Auteur du CDA"),
    ("DMP-C08", "Gardien (custodian) du CDA"),
    ("DMP-I01", "INS dans recordTarget"),
    ("DMP-I02", "Clé du NIR"),
    ("DMP-I03", "Traits INS du patient"),
    ("DMP-I04", "Identité qualifiée avant versement"),
    ("DMP-I05", "Forme des traits INS"),
    ("DMP-I06", "sourcePatientId = IPP"),
    ("DMP-R01", "Réponse Success restituée comme versée"),
    ("DMP-R02", "Statut du DMP vérifié (TD0.2) avant le versement"),
    ("DMP-H02", "Session TLS ouverte avec le certificat d'authentification de la structure"),
    ("DMP-V10", "Période de validité du VIHF cohérente"),
    ("DMP-C10", "Dates de création et de signature du CDA non futures"),
    ("DMP-C11", "Décalage UTC des dates de l'en-tête CDA"),
    ("DMP-X13", "creationTime et submissionTime non futurs"),
    ("DMP-X14", "mimeType conforme au contenu de la partie"),
    ("DMP-I07", "Matricule INS cohérent avec le sexe et la date de naissance"),
]


@pytest.mark.sandbox("as-is")
@pytest.mark.parametrize(
    ("rid", "title"), [pytest.param(rid, t, marks=pytest.mark.requirements(rid), id=rid) for rid, t in N1_RULES]
)
def test_feed_n1_document(dmp: DmpHarness, verify: Verifier, rid: str, title: str) -> None:
    """Versement d'un CDA N1 (PDF) pour un résident à l'INS qualifié"""
    fed = dmp.shared_feed("n1", "resident-qualified", document("suivi"))
    fed.check(verify)


@pytest.mark.sandbox("as-is")
@pytest.mark.requirements("DMP-C09", "DMP-C01", "DMP-C03", "DMP-C06", "DMP-X07", "DMP-R01")
def test_feed_dlu_for_ehpad_resident(dmp: DmpHarness, verify: Verifier) -> None:
    """Versement du DLU d'un résident d'EHPAD"""
    fed = dmp.feed("resident-second", document("dlu"))
    fed.check(verify)


@pytest.mark.sandbox("no", M.text("sandbox.replacement-chain"))
@pytest.mark.requirements("DMP-X12", "DMP-C06", "DMP-R01", "DMP-H03")
def test_replace_a_fed_document(dmp: DmpHarness, verify: Verifier) -> None:
    """Remplacement d'un document versé : recherche ITI-18, association RPLC, chaîne dans le registre"""
    first = dmp.feed("resident-qualified", document("suivi", "Fiche de suivi (version 1)"))
    old = str(first.outcome.data.get("document_unique_id") or "")
    if not (first.outcome.ok and old):
        # the first feed failing is judged by the other scenarios; a replacement cannot be tried
        facts = {**first.facts(), "document": old, "replacement": True}
        for rid in verify.declared:
            verify.observe(rid, "feed.precondition", facts, "driver outcome")
        return
    second = dmp.feed("resident-qualified", document("suivi", "Fiche de suivi (version 2)"), replace_of=old)
    second.check(verify)
    new = str(second.outcome.data.get("document_unique_id") or "")
    verify.artifact(dmp.chain_artifact("resident-qualified", old, new, second), second.ctx)
