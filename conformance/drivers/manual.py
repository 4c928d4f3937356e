"""The manual driver: a person operates the DUI while the harness watches the traffic.

Each action is printed as an instruction in French and English. Actions whose result is visible
on the wire (sending a message) return at once and the scenario waits for the traffic with the
manual timeout; actions whose result only the DUI knows (what it integrated, what it displays)
ask the person for a short JSON answer. Without a terminal it refuses rather than guess.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from conformance.drivers.base import Action, Driver, DriverError, Outcome

INSTRUCTIONS: dict[str, tuple[str, str]] = {
    "mssante.send_documents": (
        "Envoyez par MSSanté les documents décrits ci-dessous, pour l'usager indiqué.",
        "Send the documents below by MSSanté, for the usager shown.",
    ),
    "mssante.reply": ("Répondez au message indiqué.", "Reply to the message shown."),
    "mssante.send_mdn": (
        "Envoyez l'accusé de lecture demandé par le message indiqué.",
        "Send the read receipt the message asked for.",
    ),
    "mssante.receive": (
        "Relevez la boîte aux lettres et intégrez les documents reçus, puis décrivez le résultat "
        "en JSON (integrated, rejected, receipts, inbox : voir docs/driver-protocol.md).",
        "Fetch the mailbox, integrate what arrived, then describe the result as JSON.",
    ),
    "dui.audit_trail": (
        "Exportez la trace des opérations MSSanté en JSON (entries).",
        "Export the MSSanté operation trace as JSON (entries).",
    ),
}
ANSWER_VERBS = {"mssante.receive", "dui.audit_trail"}


class ManualDriver(Driver):
    name = "manual"

    def __init__(self, timeout: float | None = None) -> None:
        self.traffic_timeout = float(timeout or os.environ.get("CONFORMANCE_MANUAL_TIMEOUT") or 600)
        self.settings: dict[str, Any] = {}

    def configure(self, settings: dict[str, Any]) -> None:
        self.settings.update(settings)
        print("\n=== Paramétrage du DUI / DUI settings ===")
        print(json.dumps(settings, ensure_ascii=False, indent=2, default=str))

    def act(self, action: Action, timeout: float = 30.0) -> Outcome:
        fr, en = INSTRUCTIONS.get(action.verb, (f"Action {action.verb}", f"Action {action.verb}"))
        print(f"\n=== {action.verb} ===\nFR : {fr}\nEN : {en}")
        print(json.dumps(action.params, ensure_ascii=False, indent=2, default=str))
        if action.verb not in ANSWER_VERBS:
            print("(le harnais attend le trafic / the harness now waits for the traffic)")
            return Outcome("ok", {}, "performed by a person")
        if not sys.stdin or not sys.stdin.isatty():
            raise DriverError("the manual driver needs a terminal to read the person's answer")
        print("Réponse JSON sur une ligne / one-line JSON answer:")
        line = sys.stdin.readline()
        try:
            data = json.loads(line)
        except ValueError as exc:
            raise DriverError(f"answer is not JSON: {exc}") from exc
        return Outcome.from_json({"status": "ok", "data": data} if "status" not in data else data)
