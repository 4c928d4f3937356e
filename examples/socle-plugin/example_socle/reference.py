"""The greeting socle's part of the reference DUI, its seeded defect and its manual prompt."""

from __future__ import annotations

import urllib.request
from collections.abc import Mapping
from typing import Any

from conformance.demo import Verb, internal_error
from conformance.drivers.base import Outcome
from conformance.socle import Defect, Prompt, defect_row

row = defect_row("greeting")
DEFECTS = (row("greeting-hello", "GRT-01", "greets with 'Hello' instead of 'Bonjour'", "Hello"),)
PROMPTS = {
    "greeting.send": Prompt("Saluez le résident indiqué depuis le DUI.", "Greet the resident shown from the DUI.")
}


class GreetingPart:
    def __init__(self, defect: Defect | None) -> None:
        self.word = str(defect.switch) if defect is not None else "Bonjour"
        self.url = ""

    @property
    def verbs(self) -> Mapping[str, Verb]:
        return {"greeting.send": self.send}

    def configure(self, settings: dict[str, Any]) -> None:
        self.url = str(settings["url"])

    def send(self, params: dict[str, Any], timeout: float) -> Outcome:
        who = params.get("resident") or {}
        body = f"GREETING/1\n{self.word} {who.get('given', '')} {who.get('family', '')}\n".encode()
        try:
            with urllib.request.urlopen(urllib.request.Request(self.url, data=body), timeout=timeout) as answer:
                return Outcome("ok", {"status": answer.status})
        except Exception as exc:
            return internal_error(exc)
