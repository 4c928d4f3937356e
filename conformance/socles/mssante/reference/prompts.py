"""What the manual driver asks a person for the MSSanté verbs (docs/driver-protocol.md).

Each prompt is a concrete instruction built from the action's parameters ("Envoyez depuis le DUI, par
MSSanté, le document « Lettre de liaison » de Mme Jeanne MARTIN-ESSAI à dr.medecin-essai@..."). Sending,
replying and acknowledging are seen on the wire: the step ends when the operator records the message
(`done_when`), its Message-ID read from it. What the DUI integrated, rejected and displays, and its
operation trace, only the DUI knows: the person answers them in JSON (`answer=True`, `template`).
"""

from __future__ import annotations

from collections.abc import Mapping
from email.parser import BytesHeaderParser
from typing import Any

from conformance import identities
from conformance.socle import Prompt


def message_id(data: bytes) -> dict[str, Any]:
    """The outcome data of a sending step, from the message the operator recorded."""
    value = BytesHeaderParser().parsebytes(data).get("Message-ID", "")
    return {"message_id": str(value).strip()} if value else {}


def _date(iso: str) -> str:
    return "/".join(reversed(iso.split("-"))) if iso.count("-") == 2 else iso


def _documents(params: Mapping[str, Any]) -> tuple[str, str]:
    fr: list[str] = []
    en: list[str] = []
    for d in params.get("documents") or []:
        title, code = d.get("title", ""), d.get("type_code", "")
        when = _date(str(d.get("service_date", "")))
        f, e = f"« {title} » (type {code}, du {when})", f"'{title}' (type {code}, of {when})"
        if d.get("invisible_patient"):
            f, e = f + " marqué « non visible par l'usager »", e + " marked 'not visible to the usager'"
        extra = int(d.get("extra_bytes") or 0)
        if extra:
            mb = f"{extra / 1_000_000:.1f}".replace(".", ",")
            f += f" avec une pièce jointe d'au moins {mb} Mo (plus que la taille maximale du message)"
            e += f" with an attachment of at least {extra / 1_000_000:.1f} MB (more than the maximum message size)"
        fr.append(f)
        en.append(e)
    many = len(fr) > 1
    return (
        ("les documents " if many else "le document ") + " et ".join(fr) or "le document indiqué",
        ("the documents " if many else "the document ") + " and ".join(en) or "the document shown",
    )


def send_fields(params: Mapping[str, Any]) -> dict[str, str]:
    patient_fr, patient_en = identities.usager_label(params.get("patient"))
    docs_fr, docs_en = _documents(params)
    to = ", ".join(params.get("to") or [])
    to_fr, to_en = (f"à {to}", f"to {to}") if to else ("", "")
    if params.get("to_patient"):
        ins = (params.get("patient") or {}).get("ins", "<INS>")
        mes_fr, mes_en = (
            f"à la messagerie de l'usager ({ins}@patient.mssante.fr)",
            f"to the usager's mailbox ({ins}@patient.mssante.fr)",
        )
        to_fr, to_en = (f"{to_fr} et {mes_fr}", f"{to_en} and {mes_en}") if to else (mes_fr, mes_en)
    options_fr, options_en = [], []
    for key, fr, en in (
        ("delivery_receipt", "en demandant un accusé de réception", "asking for a delivery receipt"),
        ("read_receipt", "en demandant un accusé de lecture", "asking for a read receipt"),
        ("block_reply", "en bloquant la réponse de l'usager", "blocking the usager's reply"),
    ):
        if params.get(key):
            options_fr.append(fr)
            options_en.append(en)
    bal = str(identities.dui_bal()["address"])
    return {
        "bal": bal,
        "documents": docs_fr,
        "documents_en": docs_en,
        "patient": patient_fr,
        "patient_en": patient_en,
        "to": to_fr,
        "to_en": to_en,
        "options": (", " + ", ".join(options_fr)) if options_fr else "",
        "options_en": (", " + ", ".join(options_en)) if options_en else "",
    }


def message_fields(params: Mapping[str, Any]) -> dict[str, str]:
    body = " ".join(str(params.get("body", "")).split())
    return {
        "bal": str(identities.dui_bal()["address"]),
        "message_id": str(params.get("message_id", "")),
        "body": body,
        "disposition": str(params.get("disposition", "displayed")),
    }


def bal_fields(params: Mapping[str, Any]) -> dict[str, str]:
    return {"bal": str(identities.dui_bal()["address"])}


PROMPTS: dict[str, Prompt] = {
    "mssante.send_documents": Prompt(
        "Depuis le DUI, envoyez par MSSanté (BAL {bal}) {documents} de {patient} {to}{options}.",
        "From the DUI, send by MSSanté (mailbox {bal}) {documents_en} of {patient_en} {to_en}{options_en}.",
        fields=send_fields,
        done_when=("message",),
        seen=message_id,
    ),
    "mssante.reply": Prompt(
        "Dans le DUI (BAL {bal}), répondez au message {message_id} avec le texte : « {body} ».",
        "In the DUI (mailbox {bal}), reply to message {message_id} with the text: '{body}'.",
        fields=message_fields,
        done_when=("message",),
        seen=message_id,
    ),
    "mssante.send_mdn": Prompt(
        "Dans le DUI (BAL {bal}), ouvrez le message {message_id} et envoyez l'accusé de lecture qu'il demande "
        "(disposition {disposition}).",
        "In the DUI (mailbox {bal}), open message {message_id} and send the read receipt it asks for "
        "(disposition {disposition}).",
        fields=message_fields,
        done_when=("message",),
        seen=message_id,
    ),
    "mssante.receive": Prompt(
        "Dans le DUI, relevez la BAL {bal} (IMAP) et laissez-le intégrer ce qui est arrivé, puis décrivez ce qu'il "
        "affiche : documents intégrés (integrated), messages rejetés (rejected), accusés reçus (receipts) et liste "
        "des messages (inbox), comme dans docs/driver-protocol.md.",
        "In the DUI, fetch the mailbox {bal} (IMAP) and let it integrate what arrived, then describe what it shows: "
        "integrated documents, rejected messages, receipts and the message list (inbox), as in "
        "docs/driver-protocol.md.",
        answer=True,
        fields=bal_fields,
        template={"integrated": [], "rejected": [], "receipts": [], "inbox": []},
    ),
    "dui.audit_trail": Prompt(
        "Dans le DUI, exportez la trace des opérations sur la BAL {bal} (auteur, horodatage, action, requête, "
        "Message-ID) et collez-la ici.",
        "In the DUI, export the trace of the operations on the mailbox {bal} (author, time, action, request, "
        "Message-ID) and paste it here.",
        answer=True,
        fields=bal_fields,
        template={"entries": [{"time": "", "author": "", "action": "", "bal": "", "request": "", "message_id": ""}]},
    ),
}
