"""What the manual driver asks a person for the DMP verbs (docs/driver-protocol.md).

Each prompt is a concrete instruction built from the action's parameters ("Versez au DMP de Mme Jeanne
MARTIN-ESSAI le document « Document de liaison d'urgence » ..."). The harness sees the requests on the
wire, but what the DUI made of the DMP's answers (fed or not, refused before sending, what it found or
fetched) only the DUI knows: every DMP verb asks for the person's JSON answer (`answer=True`), whose
skeleton the console shows (`template`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance import identities
from conformance.socle import Prompt


def _patient(params: Mapping[str, Any]) -> dict[str, str]:
    fr, en = identities.usager_label(params.get("patient"))
    return {"patient": fr, "patient_en": en}


def feed_fields(params: Mapping[str, Any]) -> dict[str, str]:
    doc = params.get("document") or {}
    title, code = doc.get("title", ""), doc.get("type_code", "")
    replace = str(params.get("replace_of") or "")
    pdf = " (le PDF fourni en base64 dans les paramètres)" if doc.get("pdf_base64") else ""
    pdf_en = " (the PDF given in base64 in the parameters)" if doc.get("pdf_base64") else ""
    return {
        **_patient(params),
        "document": f"« {title} » (type {code}){pdf}",
        "document_en": f"'{title}' (type {code}){pdf_en}",
        "replace": f", en remplacement du document {replace}" if replace else "",
        "replace_en": f", replacing document {replace}" if replace else "",
    }


def find_fields(params: Mapping[str, Any]) -> dict[str, str]:
    deprecated = bool(params.get("include_deprecated"))
    return {
        **_patient(params),
        "which": "y compris ceux qui ont été remplacés" if deprecated else "en vigueur",
        "which_en": "including replaced ones" if deprecated else "current ones",
    }


def retrieve_fields(params: Mapping[str, Any]) -> dict[str, str]:
    return {
        **_patient(params),
        "unique_id": str(params.get("unique_id", "")),
        "repository_id": str(params.get("repository_id", "")),
    }


PROMPTS: dict[str, Prompt] = {
    "dmp.feed": Prompt(
        "Depuis le DUI, versez au DMP de {patient} le document {document}{replace}. Puis indiquez le résultat "
        "affiché : réussi ou non, et les données (statut du registre, erreurs avec errorCode et codeContext, "
        "uniqueId du document).",
        "From the DUI, feed the DMP of {patient_en} with the document {document_en}{replace_en}. Then give the "
        "result shown: succeeded or not, and the data (registry status, errors with errorCode and codeContext, "
        "the document's uniqueId).",
        answer=True,
        fields=feed_fields,
        template={"registry_status": "Success", "errors": [], "document_unique_id": ""},
    ),
    "dmp.find": Prompt(
        "Depuis le DUI, recherchez dans le DMP de {patient} ses documents {which}, puis recopiez la liste affichée.",
        "From the DUI, search the DMP of {patient_en} for their documents ({which_en}), then copy the list shown.",
        answer=True,
        fields=find_fields,
        template={
            "ok": True,
            "documents": [
                {"entry_uuid": "", "unique_id": "", "status": "", "type_code": "", "repository_id": "", "mime_type": ""}
            ],
            "errors": [],
        },
    ),
    "dmp.retrieve": Prompt(
        "Depuis le DUI, ouvrez dans le DMP de {patient} le document {unique_id} (entrepôt {repository_id}), puis "
        "donnez sa taille et son empreinte SHA-1, jamais son contenu.",
        "From the DUI, open in the DMP of {patient_en} the document {unique_id} (repository {repository_id}), then "
        "give its size and SHA-1, never its content.",
        answer=True,
        fields=retrieve_fields,
        template={"size": 0, "sha1": "", "errors": []},
    ),
}
