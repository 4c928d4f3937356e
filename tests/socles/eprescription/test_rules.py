"""Each e-prescription rule: the good ordonnance passes it, a one-change variant fails it."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.formats.ins import with_key
from conformance.model import CheckContext, Verdict
from tests.socles.eprescription.helpers import (
    LINE1,
    LINE2,
    MEDICATION,
    ORGANIZATION,
    PATIENT,
    PRACTITIONER,
    failures,
    findings,
    good,
    res,
    variant,
    verdict,
)

CHECKED = [
    "EP-01",
    "EP-02",
    "EP-03",
    "EP-04",
    "EP-05",
    "EP-06",
    "EP-07",
    "EP-08",
    "EP-09",
    "EP-10",
    "EP-11",
    "EP-13",
    "EP-14",
    "EP-15",
    "EP-16",
    "EP-17",
    "EP-19",
    "ID-01",
    "ID-02",
    "ID-03",
    "GEN-01",
    "GEN-02",
]


@pytest.mark.requirements(*CHECKED)
def test_good_ordonnance_passes_every_rule() -> None:
    found = findings(good())
    bad = [f for f in found if f.verdict in (Verdict.FAIL, Verdict.WARN)]
    assert bad == []
    for rid in CHECKED:
        assert verdict(found, rid) is Verdict.PASS, rid
    for f in found:
        assert f.location.startswith("Bundle")
        assert f.message_en and f.message_fr


def _set(path: list[Any], value: Any, i: int = LINE1) -> Any:
    def change(b: dict[str, Any]) -> None:
        node: Any = res(b, i)
        for p in path[:-1]:
            node = node[p]
        if value is DELETE:
            del node[path[-1]]
        else:
            node[path[-1]] = value

    return change


DELETE = object()
DOSE = ["dosageInstruction", 0, "doseAndRate", 0, "doseQuantity"]
REPEAT = ["dosageInstruction", 0, "timing", "repeat"]

CASES = [
    ("EP-01", _set(["meta", "profile"], ["http://example.org/other"]), ".meta.profile"),
    ("EP-02", _set(["authoredOn"], DELETE), ".authoredOn"),
    ("EP-02", _set(["authoredOn"], "2026-01-05T07:30:00"), ".authoredOn"),
    ("EP-03", _set(["requester"], DELETE), ".requester"),
    ("EP-03", _set(["requester"], {"reference": "urn:uuid:5f0c3a53-7c1e-4b8e-9d0a-1f6f3c2a0003"}), ".requester"),
    ("EP-04", _set(["identifier", 0, "value"], "10000000000", PRACTITIONER), ".identifier[0].value"),
    ("EP-04", _set(["identifier", 0, "value"], "81000000000", PRACTITIONER), ".identifier[0].value"),
    ("EP-05", _set(["subject"], {"reference": "urn:uuid:5f0c3a53-7c1e-4b8e-9d0a-1f6f3c2a0002"}), ".subject"),
    ("EP-05", _set(["identifier", 0, "use"], "usual", PATIENT), ".identifier"),
    ("EP-06", _set(["dosageInstruction"], DELETE), ".dosageInstruction"),
    ("EP-07", _set(["dosageInstruction", 0, "patientInstruction"], "1 cp le matin"), ".patientInstruction"),
    (
        "EP-08",
        _set(["medicationCodeableConcept", "coding", 0, "system"], "http://BogusSystemMedicabase.com"),
        ".medicationCodeableConcept",
    ),
    ("EP-09", _set(["medicationCodeableConcept", "coding", 0, "code"], "12345"), ".code"),
    ("EP-10", _set(["code", "coding", 0, "system"], "http://www.whocc.no/atc", MEDICATION), ".code.coding"),
    (
        "EP-10",
        _set(["medicationReference"], {"reference": "urn:uuid:5f0c3a53-7c1e-4b8e-9d0a-1f6f3c2a0001"}, LINE2),
        ".medicationReference",
    ),
    (
        "EP-11",
        _set(
            ["ingredient"],
            [{"itemReference": {"reference": "urn:uuid:5f0c3a53-7c1e-4b8e-9d0a-1f6f3c2a0004"}}],
            MEDICATION,
        ),
        ".ofType(Medication)",
    ),
    ("EP-13", _set(DOSE + ["system"], "http://example.org/units"), ".doseQuantity"),
    ("EP-13", _set(DOSE + ["comparator"], "<"), ".comparator"),
    ("EP-14", _set(DOSE, {"value": 1, "unit": "cp", "system": "http://unitsofmeasure.org", "code": "{cp}"}), ".code"),
    ("EP-15", _set(["dosageInstruction", 0, "route", "coding", 0, "system"], "http://snomed.info/sct"), ".route"),
    ("EP-16", _set(REPEAT + ["boundsPeriod", "end"], "2026-01-12T08:00:00+01:00"), ".boundsPeriod.end"),
    (
        "EP-16",
        _set(["dosageInstruction", 0, "timing", "repeat", "boundsDuration", "code"], "h", LINE2),
        ".boundsDuration",
    ),
    ("EP-17", _set(["groupIdentifier"], DELETE), ".ofType(MedicationRequest)"),
    ("EP-17", _set(["groupIdentifier"], {"value": "ORD-1"}), ".groupIdentifier"),
    ("EP-19", lambda b: res(b, LINE1).pop("extension"), ".ofType(MedicationRequest)"),
    ("ID-01", _set(["identifier", 0, "value"], "238047505612395", PATIENT), ".identifier[0].value"),
    ("ID-02", _set(["gender"], DELETE, PATIENT), ".gender"),
    ("ID-02", _set(["name", 0, "extension"], DELETE, PATIENT), ".name"),
    ("ID-02", _set(["extension"], [], PATIENT), ".extension"),
    ("ID-03", _set(["identifier", 0, "value"], "750099991", ORGANIZATION), ".identifier[0].value"),
    ("ID-03", _set(["identifier", 1, "system"], "http://finess.esante.gouv.fr", ORGANIZATION), ".system"),
    (
        "GEN-01",
        _set(
            ["meta", "profile"],
            ["https://hl7.fr/fhir/fr/medication/StructureDefinition/fr-medication-noncompound"],
            MEDICATION,
        ),
        ".meta.profile",
    ),
]


@pytest.mark.parametrize(
    ("rid", "change", "where"),
    [pytest.param(*c, marks=pytest.mark.requirements(c[0]), id=f"{c[0]}-{i}") for i, c in enumerate(CASES)],
)
def test_each_rule_fails_on_its_defect(rid: str, change: Any, where: str) -> None:
    found = findings(variant(change))
    bad = failures(found, rid)
    assert bad, f"{rid} did not fail: {[f.message_en for f in found if f.requirement == rid]}"
    assert any(where in f.location for f in bad), [f.location for f in bad]
    assert all(f.location.startswith("Bundle") and f.message_fr for f in bad)


@pytest.mark.requirements("EP-12")
def test_compound_medication_components() -> None:
    def compound(ok: bool) -> dict[str, Any]:
        def change(b: dict[str, Any]) -> None:
            comp = {
                "resourceType": "Medication",
                "id": "perf",
                "meta": {
                    "profile": [
                        "https://interop.esante.gouv.fr/ig/fhir/eprescription/StructureDefinition/"
                        "fr-medication-compound"
                    ]
                },
                "ingredient": [
                    {
                        "itemReference": {
                            "reference": "urn:uuid:5f0c3a53-7c1e-4b8e-9d0a-1f6f3c2a0004"
                            if ok
                            else "urn:uuid:5f0c3a53-7c1e-4b8e-9d0a-1f6f3c2a0001"
                        }
                    },
                    {
                        "extension": [
                            {
                                "url": "https://interop.esante.gouv.fr/ig/fhir/eprescription/"
                                "StructureDefinition/fr-is-vehicle",
                                "valueBoolean": True,
                            }
                            if ok
                            else {
                                "url": "https://interop.esante.gouv.fr/ig/fhir/eprescription/"
                                "StructureDefinition/fr-is-vehicle",
                                "valueString": "oui",
                            }
                        ],
                        "itemCodeableConcept": {"text": "glucose 5 %"},
                    },
                ],
            }
            b["entry"].append({"fullUrl": "urn:uuid:5f0c3a53-7c1e-4b8e-9d0a-1f6f3c2a0099", "resource": comp})

        return variant(change)

    assert verdict(findings(compound(True)), "EP-12") is Verdict.PASS
    bad = failures(findings(compound(False)), "EP-12")
    assert {f.location.rsplit(".", 1)[-1] for f in bad} >= {"itemReference", "extension"}


@pytest.mark.requirements("EP-02")
def test_a_date_alone_dates_the_ordonnance() -> None:
    """FHIR dateTime allows a date; the harness used to demand a time (issue 12: stricter than the IG)."""
    assert verdict(findings(variant(_set(["authoredOn"], "2026-01-05"))), "EP-02") is Verdict.PASS
    assert failures(findings(variant(_set(["authoredOn"], "2026-01"))), "EP-02")


@pytest.mark.requirements("EP-04")
def test_idnps_is_optional_in_fr_core() -> None:
    """FR Core: idNatPs 0..1 and rpps 0..*; a hospital prescription translated from PN13 has a local id."""
    rpps_only = variant(_set(["identifier", 0, "system"], "https://rpps.esante.gouv.fr", PRACTITIONER))
    assert verdict(findings(rpps_only), "EP-04") is Verdict.PASS
    local = variant(_set(["identifier", 0, "system"], "https://somehospital.fr/EI", PRACTITIONER))
    assert verdict(findings(local), "EP-04") is Verdict.WARN
    for adeli in ("0B2800585X", "3750100125/1453"):  # the other IDNPS forms
        assert (
            verdict(findings(variant(_set(["identifier", 0, "value"], adeli, PRACTITIONER))), "EP-04") is Verdict.PASS
        )


@pytest.mark.requirements("EP-18")
def test_request_group_links_option_lines() -> None:
    def linked(with_group: bool, relationship: str = "concurrent", intent: str = "option") -> dict[str, Any]:
        def change(b: dict[str, Any]) -> None:
            for i in (LINE1, LINE2):
                res(b, i)["intent"] = intent
            if with_group:
                alt = {
                    "url": "https://interop.esante.gouv.fr/ig/fhir/eprescription/StructureDefinition/"
                    "fr-additional-action-relationship",
                    "valueCode": "ALT",
                }
                b["entry"].append(
                    {
                        "fullUrl": "urn:uuid:5f0c3a53-7c1e-4b8e-9d0a-1f6f3c2a0098",
                        "resource": {
                            "resourceType": "RequestGroup",
                            "status": "active",
                            "intent": "order",
                            "groupIdentifier": res(b, LINE1)["groupIdentifier"],
                            "action": [
                                {
                                    "id": "a1",
                                    "resource": {"reference": b["entry"][LINE1]["fullUrl"]},
                                    "relatedAction": [
                                        {"extension": [alt], "actionId": "a2", "relationship": relationship}
                                    ],
                                },
                                {"id": "a2", "resource": {"reference": b["entry"][LINE2]["fullUrl"]}},
                            ],
                        },
                    }
                )

        return variant(change)

    assert verdict(findings(linked(True)), "EP-18") is Verdict.PASS
    # the IG's converse: option lines without a RequestGroup are allowed ("d'éventuelles ressources RequestGroup")
    assert verdict(findings(linked(False)), "EP-18") is Verdict.NOT_APPLICABLE
    not_option = failures(findings(linked(True, intent="order")), "EP-18")
    assert {f.location.rsplit(".", 1)[-1] for f in not_option} == {"intent"}
    wrong = failures(findings(linked(True, "before")), "EP-18")
    assert any(f.location.endswith("relatedAction[0].relationship") for f in wrong)


@pytest.mark.requirements("EP-20")
def test_patch_needs_duration_and_town_dose_is_absolute() -> None:
    def patch(with_duration: bool) -> dict[str, Any]:
        def change(b: dict[str, Any]) -> None:
            d = res(b, LINE1)["dosageInstruction"][0]
            d["doseAndRate"][0]["doseQuantity"] = {
                "value": 1,
                "unit": "patch",
                "system": "http://standardterms.edqm.eu",
                "code": "15036000",
            }
            if with_duration:
                d["timing"]["repeat"].update(duration=72, durationUnit="h")

        return variant(change)

    assert verdict(findings(patch(True)), "EP-20") is Verdict.PASS
    assert failures(findings(patch(False)), "EP-20")
    calculated = variant(
        _set(
            ["dosageInstruction", 0, "doseAndRate", 0, "type"],
            {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/dose-rate-type", "code": "calculated"}]},
        )
    )
    assert failures(findings(calculated), "EP-20")


@pytest.mark.requirements("EP-05", "ID-01")
def test_scenario_patient_and_test_oid() -> None:
    patient = {"ins": "238047505612394", "ins_oid": "1.2.250.1.213.1.4.10"}
    assert verdict(findings(good(), CheckContext(patient=patient)), "EP-05") is Verdict.PASS
    other = {"ins": with_key("1450969123045"), "ins_oid": "1.2.250.1.213.1.4.10"}
    assert failures(findings(good(), CheckContext(patient=other)), "EP-05")
    production = variant(_set(["identifier", 0, "system"], "urn:oid:1.2.250.1.213.1.4.8", PATIENT))
    bad = failures(findings(production, CheckContext(patient=patient)), "ID-01")
    assert any(f.location.endswith(".system") or f.location.endswith(".type") for f in bad)


@pytest.mark.requirements("EP-04")
def test_scenario_prescriber_rpps() -> None:
    assert verdict(findings(good(), CheckContext(extra={"prescriber_rpps": "10000000000"})), "EP-04") is Verdict.PASS
    assert failures(findings(good(), CheckContext(extra={"prescriber_rpps": "10000000001"})), "EP-04")


@pytest.mark.requirements("EP-05")
def test_native_fr_core_invariants_agree_with_their_fhirpath() -> None:
    from conformance.formats.fhir.fhirpath import evaluate
    from conformance.socles.eprescription.checks.people import fr_core_invariants
    from conformance.socles.eprescription.checks.ruleset import load_ruleset

    rules = load_ruleset()
    exprs = {i.key: i.expression for i in rules.invariants if i.key in ("fr-core-1", "fr-core-2")}
    base = res(good(), PATIENT)
    patients = [base]
    for change in (
        lambda p: p["identifier"][0].update(use="usual"),
        lambda p: p["identifier"].append({"use": "official", "system": "urn:oid:1.2.3", "value": "x"}),
        lambda p: p["identifier"][0].update(system="urn:oid:1.2.250.1.213.1.4.9", use="temp"),
        lambda p: p["identifier"][0].update(system="urn:oid:1.2.250.1.213.1.4.8"),
        lambda p: p.update(extension=p["extension"][1:]),
        lambda p: p.pop("identifier"),
    ):
        p = variant(lambda b, c=change: c(res(b, PATIENT)))
        patients.append(res(p, PATIENT))
    from conformance.socles.eprescription.checks.people import is_qualified
    from conformance.socles.eprescription.checks.view import View

    view = View.__new__(View)
    view.rules = rules
    outcomes = set()
    for p in patients:
        native = fr_core_invariants(p, is_qualified(view, p), rules.systems)
        for key, expr in exprs.items():
            assert evaluate(expr, p, None, p, p).holds is native[key], (key, p.get("identifier"))
            outcomes.add(native[key])
    assert outcomes == {True, False}
