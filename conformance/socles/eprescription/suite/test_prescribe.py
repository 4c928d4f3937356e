"""An EHPAD physician prescribes for a resident: the ordonnance the service receives, and the one printed."""

from __future__ import annotations

import json

import pytest

from conformance.engine.verifier import Verifier
from conformance.socles.eprescription.fixtures import EpHarness, line

CONTENT = (
    "EP-01",
    "EP-02",
    "EP-03",
    "EP-04",
    "EP-05",
    "EP-06",
    "EP-07",
    "EP-08",
    "EP-10",
    "EP-11",
    "EP-12",
    "EP-13",
    "EP-14",
    "EP-16",
    "EP-17",
    "EP-18",
    "EP-20",
    "ID-01",
    "ID-02",
    "ID-03",
    "ID-04",
    "GEN-01",
    "EP-29",
    "EP-31",
    "EP-32",
    "EP-33",
)

TWO_MEDICINES = [
    line("furosemide-ucd", 1, "comprimé", 1, 30),
    line("paracetamol-sms", 1000, "mg", 3, 5),
]


@pytest.mark.requirements(*CONTENT, "EP-09", "EP-15", "EP-19", "EP-30", "GEN-02")
def test_two_medicines_structured_posology(eprescription: EpHarness, verify: Verifier) -> None:
    """Médecin d'EHPAD : deux médicaments, posologie structurée (dose, unité, fréquence, durée)"""
    done = eprescription.prescribe("resident-qualified", TWO_MEDICINES)
    done.check_bundle(verify)


@pytest.mark.requirements("EP-22", "EP-25", "EP-28")
def test_printed_ordonnance_carries_the_number(eprescription: EpHarness, verify: Verifier) -> None:
    """Ordonnance imprimée : QR code et numéro en clair = numéro attribué par le service, PDF/A-1b"""
    done = eprescription.prescribe("resident-qualified", TWO_MEDICINES)
    done.check_printed(verify)


@pytest.mark.requirements("EP-22", "EP-25")
def test_two_ordonnances_two_numbers(eprescription: EpHarness, verify: Verifier) -> None:
    """Deux ordonnances successives : deux numéros distincts, chacun imprimé sur la sienne"""
    first = eprescription.prescribe("resident-second", [line("paracetamol-ucd", 1, "comprimé", 3, 7)])
    second = eprescription.prescribe("resident-second", [line("furosemide-ucd", 1, "comprimé", 1, 30)])
    first.check_printed(verify)
    second.check_printed(verify)
    facts = {"first": first.assigned, "second": second.assigned}
    verify.observe("EP-25", "prescribe.two-numbers", facts, "service traffic")


@pytest.mark.requirements("EP-06", "EP-07", "EP-13", "EP-14", "EP-16", "EP-19")
def test_conditional_dose(eprescription: EpHarness, verify: Verifier) -> None:
    """Dose conditionnelle (« si douleur ») : structurée, condition en additionalInstruction, sans patientInstruction"""
    done = eprescription.prescribe(
        "resident-qualified", [line("paracetamol-sms", 500, "mg", 4, 5, conditional="si douleur")]
    )
    done.check_bundle(verify)
    posted = [ex for ex, _ in done.posts]
    texts: list[str] = []
    if posted:
        bundle = json.loads(posted[-1].request_body.decode("utf-8"))
        for entry in bundle.get("entry", []):
            res = entry.get("resource", {})
            if res.get("resourceType") == "MedicationRequest":
                for dosage in res.get("dosageInstruction", []) or []:
                    if dosage.get("asNeededBoolean") is True or "asNeededCodeableConcept" in dosage:
                        texts.extend(str(a.get("text", "")) for a in dosage.get("additionalInstruction", []) or [])
    facts = {"condition": "si douleur", "texts": texts}
    verify.observe("EP-07", "prescribe.condition", facts, "MedicationRequest.dosageInstruction.additionalInstruction")


@pytest.mark.parametrize("patient", ["resident-qualified", "resident-second", "resident-corsica"])
@pytest.mark.requirements("EP-05", "ID-01", "ID-02", "ID-04")
def test_patient_identity(eprescription: EpHarness, verify: Verifier, patient: str) -> None:
    """Identité du résident : INS qualifiée de test, traits FR Core"""
    eprescription.prescribe(patient, [line("paracetamol-ucd", 1, "comprimé", 3, 7)]).check_bundle(verify)


@pytest.mark.requirements("EP-03", "EP-04", "ID-03")
def test_prescriber_and_structure(eprescription: EpHarness, verify: Verifier) -> None:
    """Prescripteur identifié par son IDNPS (8 + RPPS), structure par son idNatSt (1 + FINESS)"""
    eprescription.prescribe("resident-qualified", [line("paracetamol-ucd", 1, "comprimé", 3, 7)]).check_bundle(verify)


@pytest.mark.parametrize("kind", ["furosemide-ucd", "paracetamol-ucd"])
@pytest.mark.requirements("EP-08", "EP-09", "EP-10", "EP-11")
def test_medication_coding(eprescription: EpHarness, verify: Verifier, kind: str) -> None:
    """Médicament codé dans les référentiels ANSM : UCD, et code SMS porté par une ressource Medication"""
    lines = [line(kind, 1, "comprimé", 2, 10), line("paracetamol-sms", 500, "mg", 3, 5)]
    eprescription.prescribe("resident-qualified", lines).check_bundle(verify)


@pytest.mark.parametrize("unit,dose", [("comprimé", 1), ("mg", 500), ("mL", 10)])
@pytest.mark.requirements("EP-13", "EP-14")
def test_dose_units(eprescription: EpHarness, verify: Verifier, unit: str, dose: float) -> None:
    """Unités de dose UCUM ou EDQM, sans annotation ni comparateur"""
    eprescription.prescribe("resident-qualified", [line("paracetamol-sms", dose, unit, 3, 7)]).check_bundle(verify)


@pytest.mark.parametrize("days", [1, 7, 30])
@pytest.mark.requirements("EP-06", "EP-16")
def test_treatment_duration(eprescription: EpHarness, verify: Verifier, days: int) -> None:
    """Durée de traitement en boundsDuration (UCUM d)"""
    eprescription.prescribe("resident-second", [line("furosemide-ucd", 1, "comprimé", 1, days)]).check_bundle(verify)


@pytest.mark.requirements("EP-17")
def test_lines_share_one_group(eprescription: EpHarness, verify: Verifier) -> None:
    """Trois lignes d'une même ordonnance : un seul groupIdentifier"""
    lines = [*TWO_MEDICINES, line("paracetamol-ucd", 1, "comprimé", 2, 3)]
    eprescription.prescribe("resident-corsica", lines).check_bundle(verify)


@pytest.mark.requirements("EP-01", "EP-02", "GEN-01")
def test_profiles_dates_and_version(eprescription: EpHarness, verify: Verifier) -> None:
    """Profils déclarés (canonicals actuels), authoredOn complet avec fuseau, contenu FHIR 4.0.1"""
    eprescription.prescribe("resident-second", TWO_MEDICINES).check_bundle(verify)


@pytest.mark.parametrize("per_day", [1, 2, 4])
@pytest.mark.requirements("EP-06", "EP-13", "EP-19")
def test_daily_frequency(eprescription: EpHarness, verify: Verifier, per_day: int) -> None:
    """Fréquence journalière structurée (timing.repeat frequency/period), rendu textuel de la ligne"""
    eprescription.prescribe("resident-corsica", [line("furosemide-ucd", 1, "comprimé", per_day, 14)]).check_bundle(
        verify
    )


@pytest.mark.requirements("EP-01", "EP-06", "EP-09", "EP-13", "EP-15", "EP-20")
def test_patch_application_duration(eprescription: EpHarness, verify: Verifier) -> None:
    """Patch transdermique (rivastigmine 24 h) : durée de pose en timing.repeat.duration + durationUnit"""
    patch = line("rivastigmine-patch-ucd", 1, "patch", 1, 30, application_hours=24)
    eprescription.prescribe("resident-second", [patch]).check_bundle(verify)


@pytest.mark.requirements("EP-01", "EP-09", "EP-10", "EP-11", "EP-12", "EP-15")
def test_compound_preparation(eprescription: EpHarness, verify: Verifier) -> None:
    """Préparation magistrale (vaseline salicylée) : composants non composés, excipient marqué fr-is-vehicle"""
    eprescription.prescribe("resident-qualified", [line("vaseline-salicylee", 1, "g", 2, 10)]).check_bundle(verify)
