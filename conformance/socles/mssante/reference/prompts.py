"""What the manual driver asks a person for the MSSanté verbs (docs/driver-protocol.md).

Sending, replying and acknowledging are seen on the wire: the harness waits for the traffic. What the
DUI integrated, rejected and displays, and its operation trace, only the DUI knows: the person answers
them in JSON (`answer=True`).
"""

from __future__ import annotations

from conformance.socle import Prompt

PROMPTS: dict[str, Prompt] = {
    "mssante.send_documents": Prompt(
        "Envoyez par MSSanté les documents décrits ci-dessous, pour l'usager indiqué.",
        "Send the documents below by MSSanté, for the usager shown.",
    ),
    "mssante.reply": Prompt("Répondez au message indiqué.", "Reply to the message shown."),
    "mssante.send_mdn": Prompt(
        "Envoyez l'accusé de lecture demandé par le message indiqué.",
        "Send the read receipt the message asked for.",
    ),
    "mssante.receive": Prompt(
        "Relevez la boîte aux lettres et intégrez les documents reçus, puis décrivez le résultat "
        "en JSON (integrated, rejected, receipts, inbox : voir docs/driver-protocol.md).",
        "Fetch the mailbox, integrate what arrived, then describe the result as JSON.",
        answer=True,
    ),
    "dui.audit_trail": Prompt(
        "Exportez la trace des opérations MSSanté en JSON (entries).",
        "Export the MSSanté operation trace as JSON (entries).",
        answer=True,
    ),
}
