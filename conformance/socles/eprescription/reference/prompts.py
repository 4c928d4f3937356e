"""What the manual driver asks a person for the e-prescription verbs (docs/driver-protocol.md).

Each prompt is a concrete instruction built from the action's parameters ("Prescrivez pour Mme Jeanne
MARTIN-ESSAI, au nom du Dr ...: EFFERALGAN 1 g cp, 1 comprimé 3 fois par jour pendant 5 jours"). The
harness sees what reaches the service, but what the DUI told the prescriber (registered or refused and
why, the number it printed, the ordonnance PDF, what sharing it did) only the DUI knows: every
e-prescription verb asks for the person's JSON answer (`answer=True`, `template`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance import identities
from conformance.socle import Prompt


def _line(line: Mapping[str, Any]) -> tuple[str, str]:
    med = line.get("medication") or {}
    name = med.get("display", "?")
    dose, unit = line.get("dose", ""), line.get("unit", "")
    freq, days = line.get("frequency", ""), line.get("duration", "")
    fr = f"{name} : {dose} {unit}, {freq} fois par jour pendant {days} jours"
    en = f"{name}: {dose} {unit}, {freq} times a day for {days} days"
    if line.get("application_hours"):
        fr += f", chaque dispositif laissé {line['application_hours']} h"
        en += f", each patch left on {line['application_hours']} h"
    if line.get("conditional"):
        fr += f", si besoin ({line['conditional']})"
        en += f", when needed ({line['conditional']})"
    return fr, en


def prescribe_fields(params: Mapping[str, Any]) -> dict[str, str]:
    patient_fr, patient_en = identities.usager_label(params.get("patient"))
    who = params.get("prescriber") or {}
    prescriber = f"{who.get('given', '')} {who.get('family', '')} (RPPS {who.get('rpps', '?')})".strip()
    lines = [_line(line) for line in params.get("lines") or []]
    return {
        "patient": patient_fr,
        "patient_en": patient_en,
        "prescriber": prescriber,
        "lines": " ; ".join(fr for fr, _ in lines) or "les lignes indiquées",
        "lines_en": "; ".join(en for _, en in lines) or "the lines shown",
    }


def number_fields(params: Mapping[str, Any]) -> dict[str, str]:
    patient_fr, patient_en = identities.usager_label(params.get("patient")) if params.get("patient") else ("", "")
    targets_fr = [
        t
        for k, t in (
            ("to_dmp", "versez-la au DMP de l'usager"),
            ("to_patient_mssante", "envoyez-la à sa messagerie de santé"),
        )
        if params.get(k)
    ]
    targets_en = [
        t
        for k, t in (
            ("to_dmp", "feed it to the usager's DMP"),
            ("to_patient_mssante", "send it to their health mailbox"),
        )
        if params.get(k)
    ]
    return {
        "number": str(params.get("prescription_number", "")),
        "patient": patient_fr,
        "patient_en": patient_en,
        "targets": " et ".join(targets_fr) or "partagez-la",
        "targets_en": " and ".join(targets_en) or "share it",
    }


PROMPTS: dict[str, Prompt] = {
    "eprescription.prescribe": Prompt(
        "Depuis le DUI, prescrivez pour {patient}, au nom du Dr {prescriber} : {lines}. Enregistrez l'ordonnance "
        "auprès du service, puis indiquez le résultat affiché : le numéro de prescription, le Bundle envoyé et le "
        "PDF imprimé (en base64).",
        "From the DUI, prescribe for {patient_en}, as Dr {prescriber}: {lines_en}. Register the ordonnance with "
        "the service, then give the result shown: the prescription number, the Bundle sent and the printed PDF "
        "(base64).",
        answer=True,
        fields=prescribe_fields,
        template={"prescription_number": "", "bundle": "", "ordonnance_pdf": ""},
    ),
    "eprescription.cancel": Prompt(
        "Depuis le DUI, annulez l'ordonnance n° {number}, puis indiquez le résultat affiché.",
        "From the DUI, cancel the ordonnance number {number}, then give the result shown.",
        answer=True,
        fields=number_fields,
        template={"prescription_number": ""},
    ),
    "eprescription.share": Prompt(
        "Depuis le DUI, partagez l'ordonnance n° {number} de {patient} : {targets}. Puis indiquez le résultat de "
        "chaque partage.",
        "From the DUI, share the ordonnance number {number} of {patient_en}: {targets_en}. Then give the result of "
        "each part.",
        answer=True,
        fields=number_fields,
        template={
            "prescription_number": "",
            "dmp": {"status": "", "detail": ""},
            "mssante": {"status": "", "detail": "", "message_id": ""},
        },
    ),
}
