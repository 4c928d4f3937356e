"""The reference DUI's ordonnance as a FHIR R4 Bundle (ANS ePrescription IG 1.1.0-ballot + FR Core).

Built from the prescriber's input (patient identity, structured lines) the way the IG models it:
one MedicationRequest per line sharing one groupIdentifier, structured posology (dose + unit,
frequency per day, duration as boundsDuration), a conditional line as asNeeded with its condition in
additionalInstruction.text, never patientInstruction; a patch with how long each patch stays on
(timing.repeat.duration + durationUnit); a magistral preparation as a fr-medication-compound whose
components are fr-medication-noncompound resources and whose excipient is flagged fr-is-vehicle.
A seeded defect changes exactly one element (its `BundleFlaw`); everything else stays as the
reference builds it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from conformance import identities
from conformance.socles.eprescription.reference.switches import BundleFlaw

IG = "https://interop.esante.gouv.fr/ig/fhir/eprescription/StructureDefinition/"
CORE = "https://hl7.fr/ig/fhir/core/StructureDefinition/"
LEGACY = "https://hl7.fr/fhir/fr/medication/StructureDefinition/"
ANSM = "http://data.esante.gouv.fr/ansm/medicament/"
UCUM = "http://unitsofmeasure.org"
EDQM = "http://standardterms.edqm.eu"
ID_TYPE = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203"
IPP_OID = "1.2.250.1.999.1.1.7898.2"  # the EHPAD's patient numbers (synthetic OID of the test root)
RENDERED = "http://hl7.org/fhir/5.0/StructureDefinition/extension-MedicationRequest.renderedDosageInstruction"
GROUP_SYSTEM = "https://dui-essai.example/fhir/ordonnance"

ROUTE_ORAL = {"coding": [{"system": EDQM, "code": "20053000", "display": "Voie orale"}]}
ROUTE_TRANSDERMAL = {"coding": [{"system": EDQM, "code": "20070000", "display": "Voie transdermique"}]}
ROUTE_CUTANEOUS = {"coding": [{"system": EDQM, "code": "20003000", "display": "Voie cutanée"}]}
REFERENCED_SYSTEMS = ("codeSMS", "substance", "compound")
EDQM_UNITS = {
    "comprimé": "15054000",
    "gélule": "15012000",
    "sachet": "15052000",
    "goutte": "15022000",
    "patch": "15036000",
}
IS_VEHICLE = IG + "fr-is-vehicle"


@dataclass
class Built:
    bundle: dict[str, Any]
    group: str  # the ordonnance's local groupIdentifier value
    rendered: list[str]  # one human-readable line per prescription line


def _urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def _rendered(line: dict[str, Any]) -> str:
    med = line["medication"].get("display") or line["medication"]["code"]
    text = f"{med} : {line['dose']} {line['unit']} {line['frequency']} fois par jour pendant {line['duration']} jours"
    if line.get("application_hours"):
        text += f", chaque patch laissé en place {line['application_hours']} h"
    if line.get("conditional"):
        text += f", {line['conditional']}"
    return text


def _strength(c: dict[str, Any]) -> dict[str, Any]:
    """A component's share of the preparation, e.g. 2 g per 100 g (UCUM)."""
    value, per, unit = c["strength"]  # [2, 100, "g"]: 2 g per 100 g
    return {
        "numerator": {"value": value, "unit": unit, "system": UCUM, "code": unit},
        "denominator": {"value": per, "unit": unit, "system": UCUM, "code": unit},
    }


def _form(med: dict[str, Any]) -> dict[str, Any]:
    text = str(med.get("form") or "préparation magistrale")
    if med.get("form_edqm"):  # EDQM dose form (fr-mp-dose-form, extensible binding)
        return {"coding": [{"system": EDQM, "code": med["form_edqm"], "display": text}], "text": text}
    return {"text": text}


def _compound_entries(med: dict[str, Any], flaw: BundleFlaw | None, other: str) -> tuple[str, list[dict[str, Any]]]:
    """A magistral preparation: one fr-medication-noncompound per component, and the compound that lists
    them (the excipient, "qsp", flagged fr-is-vehicle). Returns the compound's fullUrl and the entries."""
    entries: list[dict[str, Any]] = []
    ingredients: list[dict[str, Any]] = []
    for c in med["components"]:
        url = _urn()
        entries.append({"fullUrl": url, "resource": _medication_entry(c, flaw, other)})
        ing: dict[str, Any] = {"itemReference": {"reference": url}, "isActive": not c.get("vehicle")}
        if c.get("vehicle"):
            flag = {"valueString": "true"} if flaw is BundleFlaw.VEHICLE_FLAG_AS_STRING else {"valueBoolean": True}
            ing = {"extension": [{"url": IS_VEHICLE, **flag}], **ing}
        if c.get("strength"):
            ing["strength"] = _strength(c)
        ingredients.append(ing)
    compound_url = _urn()
    entries.append(
        {
            "fullUrl": compound_url,
            "resource": {
                "resourceType": "Medication",
                "meta": {"profile": [IG + "fr-medication-compound"]},
                "form": _form(med),
                "ingredient": ingredients,
            },
        }
    )
    return compound_url, entries


def _quantity(value: float, unit: str, flaw: BundleFlaw | None) -> dict[str, Any]:
    if flaw is BundleFlaw.UNIT_ANNOTATION:
        return {"value": value, "unit": unit, "system": UCUM, "code": "{" + unit + "}"}
    if flaw is BundleFlaw.UNIT_LOCAL_SYSTEM:
        return {"value": value, "unit": unit, "system": "https://dui-essai.example/unites", "code": unit}
    q: dict[str, Any] = {"value": value, "unit": unit}
    if unit in EDQM_UNITS:
        q.update(system=EDQM, code=EDQM_UNITS[unit])
    else:
        q.update(system=UCUM, code=f"{unit}/prise" if flaw is BundleFlaw.UNIT_NOT_UCUM else unit)
    if flaw is BundleFlaw.DOSE_COMPARATOR:
        q["comparator"] = "<="
    return q


def _patient(p: dict[str, Any], flaw: BundleFlaw | None) -> dict[str, Any]:
    ins = p["ins"]
    if flaw is BundleFlaw.INS_WRONG_KEY:
        key = int(ins[-2:])
        ins = ins[:-2] + f"{(key + 1) % 98 or 1:02d}"
    ext: list[dict[str, Any]] = [
        {
            "url": CORE + "fr-core-identity-reliability",
            "extension": [
                {
                    "url": "identityStatus",
                    "valueCoding": {
                        "system": "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0445",
                        "code": "VALI" if p.get("qualified", True) else "PROV",
                    },
                }
            ],
        }
    ]
    if flaw is not BundleFlaw.INS_WITHOUT_BIRTHPLACE:
        ext.append(
            {
                "url": "http://hl7.org/fhir/StructureDefinition/patient-birthPlace",
                "valueAddress": {
                    "extension": [
                        {
                            "url": CORE + "fr-core-address-insee-code",
                            "valueCoding": {
                                "system": "https://mos.esante.gouv.fr/NOS/TRE_R13-Commune/FHIR/TRE-R13-Commune",
                                "code": p["birth_place"],
                            },
                        }
                    ]
                },
            }
        )
    qualified = p.get("qualified", True)
    # FR Core: « Le matricule INS ne peut être véhiculé que dans le cas d'une identité qualifiée »: an
    # unqualified resident is an fr-core-patient known by the establishment's own number (IPP)
    identifier = (
        {
            "use": "official",
            "type": {"coding": [{"system": ID_TYPE, "code": "INS-NIR"}]},
            "system": f"urn:oid:{p['ins_oid']}",
            "value": ins,
        }
        if qualified
        else {
            "use": "usual",
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "PI"}]},
            "system": f"urn:oid:{IPP_OID}",
            "value": str(p.get("record_id") or p["key"]),
        }
    )
    return {
        "resourceType": "Patient",
        "meta": {"profile": [CORE + ("fr-core-patient-ins" if qualified else "fr-core-patient")]},
        "extension": ext,
        "identifier": [identifier],
        "name": [
            {
                "use": "official",
                "family": p["birth_name"],
                "given": [p["first_given"]],
                "extension": [
                    {
                        "url": CORE + "fr-core-patient-birth-list-given-name",
                        "valueString": " ".join(p.get("given_names") or [p["first_given"]]),
                    }
                ],
            }
        ],
        "gender": {"F": "female", "M": "male"}.get(p.get("sex", ""), "unknown"),
        "birthDate": (
            f"{int(p['birth_date'][:4]) + 1}{p['birth_date'][4:]}"
            if flaw is BundleFlaw.INS_OTHER_BIRTH_YEAR
            else p["birth_date"]
        ),
    }


def _practitioner(pr: dict[str, Any], flaw: BundleFlaw | None) -> dict[str, Any]:
    rpps = str(pr["rpps"])
    return {
        "resourceType": "Practitioner",
        "meta": {"profile": [CORE + "fr-core-practitioner"]},
        "identifier": [
            {
                "use": "official",
                "type": {"coding": [{"system": ID_TYPE, "code": "IDNPS"}]},
                "system": "urn:oid:1.2.250.1.71.4.2.1",
                "value": rpps if flaw is BundleFlaw.RPPS_WITHOUT_PREFIX else "8" + rpps,
            }
        ],
        "name": [{"use": "official", "family": pr["family"], "given": [pr["given"]]}],
    }


def _organization(org: dict[str, Any], flaw: BundleFlaw | None) -> dict[str, Any]:
    finess = str(org["finess"])
    return {
        "resourceType": "Organization",
        "identifier": [
            {
                "use": "official",
                "system": "urn:oid:1.2.250.1.71.4.2.2",
                "value": finess if flaw is BundleFlaw.FINESS_WITHOUT_PREFIX else "1" + finess,
            },
            {"system": "https://finess.esante.gouv.fr", "value": finess},
        ],
        "name": org["name"],
    }


def _medication_entry(med: dict[str, Any], flaw: BundleFlaw | None, other: str) -> dict[str, Any]:
    res: dict[str, Any] = {"resourceType": "Medication", "meta": {"profile": [IG + "fr-medication-noncompound"]}}
    codings = [{"system": ANSM + med["system"], "code": med["code"], "display": med.get("display", "")}]
    if flaw is BundleFlaw.MEDICATION_TWO_CODES:  # a second allowed code: the nonCompoundCode slice takes one
        codings.append({"system": ANSM + "UCD", "code": med.get("ucd", "3400890000005")})
    res["code"] = {"coding": codings}
    if flaw is BundleFlaw.CODED_WITH_INGREDIENT:
        res["ingredient"] = [{"itemReference": {"reference": other}}]
    return res


def _line(line: dict[str, Any], i: int, ctx: dict[str, Any], flaw: BundleFlaw | None) -> dict[str, Any]:
    med = line["medication"]
    profile = IG + (
        "fr-medicationrequest" if flaw is not BundleFlaw.INPATIENT_LINE_AS_CIP else "fr-inpatient-medicationrequest"
    )
    res: dict[str, Any] = {"resourceType": "MedicationRequest"}
    if flaw is not BundleFlaw.LINE_WITHOUT_PROFILE:
        res["meta"] = {"profile": [profile]}
    if flaw is BundleFlaw.LEGACY_CANONICAL:  # also declares the superseded hl7.fr medication canonical
        res["meta"]["profile"].append(LEGACY + "fr-medicationrequest")
    res["extension"] = [{"url": RENDERED, "valueMarkdown": _rendered(line)}]
    res["status"] = "active"
    res["intent"] = "order"  # LINKED_LINE_NOT_OPTION keeps "order" on lines a RequestGroup links
    group = ctx["group"] if flaw is not BundleFlaw.GROUP_PER_LINE else f"{ctx['group']}-{i + 1}"
    res["groupIdentifier"] = {"system": GROUP_SYSTEM, "value": group}
    subject = ctx["practitioner"] if flaw is BundleFlaw.SUBJECT_IS_PRESCRIBER else ctx["patient"]
    if flaw is BundleFlaw.LINES_FOR_TWO_PATIENTS and i == 1:
        subject = ctx["other_patient"]
    res["subject"] = {"reference": subject}
    # the defects: a naive local time serialised without its offset; an ordonnance dated the next day
    res["authoredOn"] = ctx["authored"][:19] if flaw is BundleFlaw.AUTHORED_WITHOUT_TIMEZONE else ctx["authored"]
    if flaw is BundleFlaw.AUTHORED_IN_THE_FUTURE:
        res["authoredOn"] = (dt.datetime.fromisoformat(ctx["authored"]) + dt.timedelta(days=1)).isoformat()
    if (
        flaw is not BundleFlaw.LATER_LINES_WITHOUT_REQUESTER or i == 0
    ):  # the defect: lines after the first lose their requester
        res["requester"] = {"reference": ctx["practitioner"]}
    if ctx.get("medication_refs", {}).get(i):
        res["medicationReference"] = {"reference": ctx["medication_refs"][i]}
    else:
        system = "Presentation" if flaw is BundleFlaw.INPATIENT_LINE_AS_CIP else med["system"]
        code = med.get("cip13", "3400930000000") if flaw is BundleFlaw.INPATIENT_LINE_AS_CIP else med["code"]
        res["medicationCodeableConcept"] = {
            "coding": [{"system": ANSM + system, "code": code, "display": med.get("display", "")}]
        }
    duration = {
        "value": line["duration"],
        "unit": "jours",
        "system": UCUM,
        "code": "j" if flaw is BundleFlaw.DURATION_NOT_UCUM else "d",
    }
    repeat: dict[str, Any] = {
        "frequency": int(line["frequency"]),
        "period": 1,
        "periodUnit": "d",
        "boundsDuration": duration,
    }
    if line.get("application_hours") and flaw is not BundleFlaw.PATCH_WITHOUT_DURATION:  # how long each patch stays on
        repeat.update(duration=line["application_hours"], durationUnit="h")
    route = ROUTE_TRANSDERMAL if line["unit"] == "patch" else ROUTE_CUTANEOUS if med.get("cutaneous") else ROUTE_ORAL
    dosage: dict[str, Any] = {
        "timing": {"repeat": repeat},
        "route": route,
        "doseAndRate": [{"doseQuantity": _quantity(line["dose"], line["unit"], flaw)}],
    }
    if line.get("conditional"):
        dosage["asNeededBoolean"] = True
        if flaw is BundleFlaw.CONDITION_AS_PATIENT_INSTRUCTION:
            dosage["patientInstruction"] = line["conditional"]
        else:
            dosage["additionalInstruction"] = [{"text": line["conditional"]}]
    elif flaw is BundleFlaw.CONDITION_AS_PATIENT_INSTRUCTION and i == 0:
        dosage["patientInstruction"] = "à prendre au cours du repas"
    if (
        flaw is not BundleFlaw.LATER_LINES_WITHOUT_DOSAGE or i == 0
    ):  # the defect: lines after the first lose their posology
        res["dosageInstruction"] = [dosage]
    return res


def _taken_together(line_urls: list[str], patient: str, group: str) -> dict[str, Any]:
    """A RequestGroup saying the lines are taken together (Modelisation « Liens entre lignes »)."""
    actions: list[dict[str, Any]] = [{"id": f"a{i}", "resource": {"reference": url}} for i, url in enumerate(line_urls)]
    for act in actions[1:]:
        act["relatedAction"] = [{"actionId": "a0", "relationship": "concurrent"}]
    return {
        "resourceType": "RequestGroup",
        "meta": {"profile": [IG + "fr-requestgroup-for-prescription"]},
        "groupIdentifier": {"system": GROUP_SYSTEM, "value": group},
        "status": "active",
        "intent": "order",
        "subject": {"reference": patient},
        "action": actions,
    }


def build_bundle(params: dict[str, Any], flaw: BundleFlaw | None = None, *, authored: str, group: str) -> Built:
    """The ordonnance Bundle (type collection) for `params` (verb eprescription.prescribe)."""
    lines = params["lines"]
    ids = {"patient": _urn(), "practitioner": _urn(), "organization": _urn()}
    entries: list[dict[str, Any]] = [
        {"fullUrl": ids["patient"], "resource": _patient(params["patient"], flaw)},
        {"fullUrl": ids["practitioner"], "resource": _practitioner(params["prescriber"], flaw)},
        {"fullUrl": ids["organization"], "resource": _organization(params["organization"], flaw)},
    ]
    ctx: dict[str, Any] = {**ids, "group": group, "authored": authored, "medication_refs": {}}
    if flaw is BundleFlaw.LINES_FOR_TWO_PATIENTS:  # another resident, left over from the previous screen
        other = next(p for p in identities.patients() if p["key"] != params["patient"].get("key") and p["qualified"])
        ctx["other_patient"] = _urn()
        entries.append({"fullUrl": ctx["other_patient"], "resource": _patient(other, None)})
    for i, line in enumerate(lines):
        # a virtual medication (SMS/substance) is a Medication resource the line references (IG examples)
        if line["medication"]["system"] == "compound":
            med_url, more = _compound_entries(line["medication"], flaw, ids["organization"])
            entries.extend(more)
            ctx["medication_refs"][i] = med_url
        elif line["medication"]["system"] in REFERENCED_SYSTEMS:
            med_url = _urn()
            entries.append(
                {"fullUrl": med_url, "resource": _medication_entry(line["medication"], flaw, ids["organization"])}
            )
            ctx["medication_refs"][i] = med_url
    line_urls = [_urn() for _ in lines]
    for i, line in enumerate(lines):
        entries.append({"fullUrl": line_urls[i], "resource": _line(line, i, ctx, flaw)})
    if flaw is BundleFlaw.LINKED_LINE_NOT_OPTION and len(lines) > 1:
        entries.append({"fullUrl": _urn(), "resource": _taken_together(line_urls, ids["patient"], group)})
    bundle = {"resourceType": "Bundle", "type": "collection", "timestamp": authored, "entry": entries}
    return Built(bundle, group, [_rendered(line) for line in lines])
