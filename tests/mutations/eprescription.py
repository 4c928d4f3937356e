"""Single-defect e-prescription Bundles made from the reference DUI's own ordonnance.

The base is what the demo DUI posts to the e-prescription service (`reference.bundle.build_bundle`, four
lines: a UCD tablet, an SMS line with a referenced Medication, a patch, a magistral preparation). Each
variant changes one thing the way a vendor's DUI really gets it wrong (a naive datetime, a pre-dated
ordonnance, a bare RPPS, a "proposal" intent, a French unit under the UCUM system, a line left on the
previous resident, an INS copied onto another person's traits, a provisional identity sent as an INS...),
and is tagged with the requirement that must fail. Controls are the unmodified Bundles.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any

from conformance import identities
from conformance.formats.ins import with_key
from conformance.socles.eprescription.fixtures import line, prescriber
from conformance.socles.eprescription.reference.bundle import build_bundle
from tests.mutations.pdf import Variant

AUTHORED = "2026-11-23T10:00:00+01:00"
AT = datetime(2026, 11, 23, 9, 5, tzinfo=UTC)  # the reference time the variants are judged at (EP-29)
ORGANIZATION = {"finess": "990000001", "name": "EHPAD ESSAI"}
LINES = [
    line("furosemide-ucd", 1, "comprimé", 1, 30),
    line("paracetamol-sms", 500, "mg", 4, 5, "si douleur"),
    line("rivastigmine-patch-ucd", 1, "patch", 1, 30, application_hours=24),
    line("vaseline-salicylee", 1, "g", 2, 10),
]

Bundle = dict[str, Any]
Edit = Callable[[Bundle], None]


@cache
def _base_json() -> str:
    params = {
        "patient": identities.patient("resident-qualified"),
        "prescriber": prescriber(),
        "organization": ORGANIZATION,
        "lines": LINES,
    }
    return json.dumps(build_bundle(params, None, authored=AUTHORED, group="ORD-ESSAI-1").bundle, ensure_ascii=False)


def base() -> Bundle:
    return json.loads(_base_json())


def of_type(b: Bundle, kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in b["entry"] if e["resource"].get("resourceType") == kind]


def lines(b: Bundle) -> list[dict[str, Any]]:
    return of_type(b, "MedicationRequest")


def patient(b: Bundle) -> dict[str, Any]:
    return of_type(b, "Patient")[0]


def practitioner(b: Bundle) -> dict[str, Any]:
    return of_type(b, "Practitioner")[0]


def dose(b: Bundle, i: int = 1) -> dict[str, Any]:
    return lines(b)[i]["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]


def _on_lines(field: str, value: Any, only: int | None = None) -> Edit:
    def fn(b: Bundle) -> None:
        for i, res in enumerate(lines(b)):
            if only is None or i == only:
                res[field] = copy.deepcopy(value)

    return fn


def _authored_naive(b: Bundle) -> None:
    for res in lines(b):
        res["authoredOn"] = res["authoredOn"][:19]  # datetime.now().isoformat() without tzinfo


def _bare_rpps(b: Bundle) -> None:
    ident = practitioner(b)["identifier"][0]
    ident["value"] = ident["value"][1:]


def _short_idnps(b: Bundle) -> None:
    ident = practitioner(b)["identifier"][0]
    ident["value"] = ident["value"][:-1]


def _no_requester(b: Bundle) -> None:
    del lines(b)[0]["requester"]


def _subject_prescriber(b: Bundle) -> None:
    url = next(e["fullUrl"] for e in b["entry"] if e["resource"]["resourceType"] == "Practitioner")
    lines(b)[0]["subject"] = {"reference": url}


def _no_dosage(b: Bundle) -> None:
    del lines(b)[0]["dosageInstruction"]


def _patient_instruction(b: Bundle) -> None:
    lines(b)[0]["dosageInstruction"][0]["patientInstruction"] = "à prendre le matin"


def _atc_code(b: Bundle) -> None:
    coding = lines(b)[0]["medicationCodeableConcept"]["coding"][0]
    coding.update(system="http://www.whocc.no/atc", code="C03CA01")


def _ucd_12_digits(b: Bundle) -> None:
    coding = lines(b)[0]["medicationCodeableConcept"]["coding"][0]
    coding["code"] = coding["code"][:-1]


def _medication_two_codes(b: Bundle) -> None:
    med = of_type(b, "Medication")[0]
    med["code"]["coding"].append({"system": "http://data.esante.gouv.fr/ansm/medicament/UCD", "code": "3400893766521"})


def _coded_with_ingredient(b: Bundle) -> None:
    url = next(e["fullUrl"] for e in b["entry"] if e["resource"]["resourceType"] == "Organization")
    of_type(b, "Medication")[0]["ingredient"] = [{"itemReference": {"reference": url}}]


def _comparator(b: Bundle) -> None:
    dose(b)["comparator"] = "<="


def _code_without_system(b: Bundle) -> None:
    del dose(b)["system"]


def _annotation(b: Bundle) -> None:
    dose(b, 0).update(system="http://unitsofmeasure.org", code="{comprime}")


def _route_snomed(b: Bundle) -> None:
    lines(b)[0]["dosageInstruction"][0]["route"] = {
        "coding": [{"system": "http://snomed.info/sct", "code": "26643006"}]
    }


def _duration_j(b: Bundle) -> None:
    lines(b)[0]["dosageInstruction"][0]["timing"]["repeat"]["boundsDuration"]["code"] = "j"


def _inclusive_end(b: Bundle) -> None:
    rep = lines(b)[0]["dosageInstruction"][0]["timing"]["repeat"]
    rep.pop("boundsDuration", None)
    rep["boundsPeriod"] = {"start": "2026-11-23T10:00:00+01:00", "end": "2026-12-23T10:00:00+01:00"}


def _group_per_line(b: Bundle) -> None:
    for i, res in enumerate(lines(b)):
        res["groupIdentifier"] = dict(res["groupIdentifier"], value=f"{res['groupIdentifier']['value']}-{i}")


def _request_group_order(b: Bundle) -> None:
    urls = [e["fullUrl"] for e in b["entry"] if e["resource"].get("resourceType") == "MedicationRequest"][:2]
    b["entry"].append(
        {
            "fullUrl": "urn:uuid:0e8d6f2a-5b1c-4d8e-9f00-000000000099",
            "resource": {
                "resourceType": "RequestGroup",
                "groupIdentifier": lines(b)[0]["groupIdentifier"],
                "status": "active",
                "intent": "order",
                "action": [
                    {"id": "a0", "resource": {"reference": urls[0]}},
                    {
                        "id": "a1",
                        "resource": {"reference": urls[1]},
                        "relatedAction": [{"actionId": "a0", "relationship": "concurrent"}],
                    },
                ],
            },
        }
    )


def _no_rendering(b: Bundle) -> None:
    lines(b)[0].pop("extension", None)
    lines(b)[0].pop("note", None)


def _patch_no_duration(b: Bundle) -> None:
    rep = lines(b)[2]["dosageInstruction"][0]["timing"]["repeat"]
    rep.pop("duration", None)
    rep.pop("durationUnit", None)


def _vehicle_string(b: Bundle) -> None:
    for med in of_type(b, "Medication"):
        for ing in med.get("ingredient", []):
            for ext in ing.get("extension", []):
                if "valueBoolean" in ext:
                    ext["valueString"] = "true"
                    del ext["valueBoolean"]


def _ins_wrong_key(b: Bundle) -> None:
    ident = patient(b)["identifier"][0]
    ident["value"] = ident["value"][:-2] + f"{(int(ident['value'][-2:]) + 1) % 98 or 1:02d}"


def _no_birthplace(b: Bundle) -> None:
    patient(b)["extension"] = [e for e in patient(b)["extension"] if "birthPlace" not in e["url"]]


def _provisional_as_ins(b: Bundle) -> None:
    """Issue 12: a PROV identity sent under the INS profile with its matricule."""
    status = patient(b)["extension"][0]["extension"][0]["valueCoding"]
    status["code"] = "PROV"


def _finess_without_1(b: Bundle) -> None:
    org = of_type(b, "Organization")[0]
    ident = next(i for i in org["identifier"] if i["system"] == "urn:oid:1.2.250.1.71.4.2.2")
    ident["value"] = ident["value"][1:]


def _legacy_canonical(b: Bundle) -> None:
    lines(b)[0]["meta"]["profile"].append("https://hl7.fr/fhir/fr/medication/StructureDefinition/fr-medicationrequest")


def _no_profile(b: Bundle) -> None:
    del lines(b)[0]["meta"]


def _searchset_history(b: Bundle) -> None:
    b["type"] = "history"


def _unit_per_intake(b: Bundle) -> None:
    dose(b).update(code="mg/prise")


def _legacy_finess(b: Bundle) -> None:
    org = of_type(b, "Organization")[0]
    org["identifier"].append({"system": "http://finess.esante.gouv.fr", "value": ORGANIZATION["finess"]})


def _dangling_medication(b: Bundle) -> None:
    lines(b)[1]["medicationReference"] = {"reference": "urn:uuid:0e8d6f2a-5b1c-4d8e-9f00-000000000097"}


def _second_resident(b: Bundle) -> None:
    other = copy.deepcopy(patient(b))
    other["identifier"][0]["value"] = with_key("1450969123045")
    other.update(gender="male", birthDate="1945-09-21")
    b["entry"].append({"fullUrl": "urn:uuid:0e8d6f2a-5b1c-4d8e-9f00-000000000098", "resource": other})
    lines(b)[1]["subject"] = {"reference": "urn:uuid:0e8d6f2a-5b1c-4d8e-9f00-000000000098"}


def _birth_year(b: Bundle) -> None:
    p = patient(b)
    p["birthDate"] = str(int(p["birthDate"][:4]) + 1) + p["birthDate"][4:]


def _gender(b: Bundle) -> None:
    patient(b)["gender"] = "male"


FHIR_DEFECTS: tuple[tuple[str, str, Edit, str], ...] = (
    ("no-line-profile", "EP-01", _no_profile, "a line without meta.profile"),
    ("authored-naive", "EP-02", _authored_naive, "authoredOn without its offset (naive datetime)"),
    ("authored-month", "EP-02", _on_lines("authoredOn", "2026-11"), "authoredOn is a month"),
    ("no-requester", "EP-03", _no_requester, "a line without requester"),
    ("bare-rpps", "EP-04", _bare_rpps, "IDNPS without its 8 prefix"),
    ("short-idnps", "EP-04", _short_idnps, "IDNPS one digit short"),
    ("subject-prescriber", "EP-05", _subject_prescriber, "subject points to the prescriber"),
    ("no-dosage", "EP-06", _no_dosage, "a line without dosageInstruction"),
    ("patient-instruction", "EP-07", _patient_instruction, "free text in patientInstruction"),
    ("atc-code", "EP-08", _atc_code, "the line coded in ATC"),
    ("ucd-12-digits", "EP-09", _ucd_12_digits, "a UCD code one digit short (PRECONISATION)"),
    ("medication-two-codes", "EP-10", _medication_two_codes, "a Medication with two allowed codes"),
    ("coded-with-ingredient", "EP-11", _coded_with_ingredient, "a coded Medication with an ingredient reference"),
    ("vehicle-string", "EP-12", _vehicle_string, "fr-is-vehicle as a string"),
    ("dose-comparator", "EP-13", _comparator, "a dose with a comparator"),
    ("code-without-system", "EP-13", _code_without_system, "a dose unit code without its system"),
    ("unit-annotation", "EP-14", _annotation, "a UCUM annotation as dose unit"),
    ("route-snomed", "EP-15", _route_snomed, "route coded in SNOMED CT (PRECONISATION)"),
    ("duration-j", "EP-16", _duration_j, "boundsDuration in 'j'"),
    ("inclusive-end", "EP-16", _inclusive_end, "an inclusive boundsPeriod end"),
    ("group-per-line", "EP-17", _group_per_line, "one groupIdentifier per line"),
    ("linked-order-lines", "EP-18", _request_group_order, "a RequestGroup linking 'order' lines"),
    ("no-rendering", "EP-19", _no_rendering, "no textual rendering (PRECONISATION)"),
    ("patch-no-duration", "EP-20", _patch_no_duration, "a patch without application duration"),
    ("authored-tomorrow", "EP-29", _on_lines("authoredOn", "2026-11-24T10:00:00+01:00"), "dated tomorrow"),
    ("bundle-history", "EP-30", _searchset_history, "a history Bundle (PRECONISATION)"),
    ("intent-proposal", "EP-31", _on_lines("intent", "proposal", 0), "a proposal line (PRECONISATION)"),
    ("unit-per-intake", "EP-32", _unit_per_intake, "dose unit 'mg/prise' under UCUM"),
    ("second-resident", "EP-33", _second_resident, "a line for another resident"),
    ("ins-wrong-key", "ID-01", _ins_wrong_key, "an INS with a wrong key"),
    ("ins-no-birthplace", "ID-02", _no_birthplace, "an INS Patient without birthPlace"),
    ("provisional-as-ins", "ID-02", _provisional_as_ins, "a PROV identity sent as an INS Patient"),
    ("finess-without-1", "ID-03", _finess_without_1, "idNatSt without its 1 prefix"),
    ("ins-birth-year", "ID-04", _birth_year, "birthDate one year off the matricule"),
    ("ins-gender", "ID-04", _gender, "gender contradicting the matricule"),
    ("legacy-canonical", "GEN-01", _legacy_canonical, "the superseded hl7.fr canonical"),
    ("legacy-finess-system", "ID-03", _legacy_finess, "FINESS under the old http:// system"),
    ("dangling-medication", "EP-10", _dangling_medication, "medicationReference to a Medication not sent"),
    ("intent-plan", "EP-31", _on_lines("intent", "plan", 1), "a plan line (PRECONISATION)"),
)


def variants() -> list[Variant]:
    """The control and one variant per defect, as serialized Bundles."""

    def data(b: Bundle) -> bytes:
        return json.dumps(b, ensure_ascii=False).encode("utf-8")

    out = [Variant("fhir-control", "fhir", "eprescription", data(base()), "", "the reference ordonnance")]
    for name, rid, fn, note in FHIR_DEFECTS:
        b = base()
        fn(b)
        out.append(Variant(f"fhir-{name}", "fhir", "eprescription", data(b), rid, note))
    return out
