"""What the manual driver asks a person for the e-prescription verbs (docs/driver-protocol.md).

The harness sees what reaches the service, but what the DUI told the prescriber (registered or refused
and why, the number it printed, the ordonnance PDF, what sharing it did) only the DUI knows: every
e-prescription verb asks for the person's JSON answer (`answer=True`).
"""

from __future__ import annotations

from conformance.socle import Prompt

PROMPTS: dict[str, Prompt] = {
    "eprescription.prescribe": Prompt(
        "Prescrivez pour l'usager indiqué, au nom du prescripteur indiqué, les lignes décrites ci-dessous et "
        "enregistrez l'ordonnance auprès du service, puis décrivez le résultat affiché en JSON : "
        '{"status": "ok" | "refused" | "error", "data": {"prescription_number", "bundle", "ordonnance_pdf" '
        '(le PDF imprimé, en base64)}, "detail": "le message affiché"} (voir docs/driver-protocol.md).',
        "Prescribe the lines below for the usager shown, as the prescriber shown, and register the ordonnance "
        "with the service, then describe the result shown as JSON: status, data {prescription_number, bundle, "
        "ordonnance_pdf (the printed PDF, base64)}, detail (the message shown).",
        answer=True,
    ),
    "eprescription.cancel": Prompt(
        "Annulez l'ordonnance indiquée (prescription_number), puis décrivez le résultat affiché en JSON : "
        '{"status", "data": {"prescription_number"}, "detail"}.',
        "Cancel the ordonnance shown (prescription_number), then describe the result shown as JSON: "
        "status, data {prescription_number}, detail.",
        answer=True,
    ),
    "eprescription.share": Prompt(
        "Partagez l'ordonnance indiquée (prescription_number) : versez-la au DMP de l'usager si to_dmp, "
        "envoyez-la à sa messagerie de santé si to_patient_mssante, puis décrivez le résultat en JSON : "
        '{"status", "data": {"prescription_number", "dmp": {"status", "detail"}, "mssante": {"status", '
        '"detail", "message_id"}}, "detail"}.',
        "Share the ordonnance shown (prescription_number): feed it to the usager's DMP if to_dmp, send it to "
        "their health mailbox if to_patient_mssante, then describe the result as JSON: status, data "
        "{prescription_number, dmp {status, detail}, mssante {status, detail, message_id}}, detail.",
        answer=True,
    ),
}
