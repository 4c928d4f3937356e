"""The manual driver: a person operates the DUI while the harness watches the traffic.

Each action is printed as an instruction in French and English, the prompt its socle gives for the
verb (`Socle.manual`). Actions whose result is visible on the wire (sending a message) return at once
and the scenario waits for the traffic with the manual timeout; actions whose result only the DUI knows
(what it integrated, what it displays: `Prompt.answer`) ask the person for a short JSON answer.
Without a terminal it refuses rather than guess.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import conformance.socle as socles
from conformance.drivers.base import Action, Driver, DriverError, Outcome
from conformance.socle import Prompt


def socle_prompts() -> dict[str, Prompt]:
    """Every installed socle's prompts, by verb."""
    return {verb: p for socle in socles.installed_socles().values() for verb, p in socle.manual_prompts().items()}


class ManualDriver(Driver):
    name = "manual"

    def __init__(self, timeout: float | None = None) -> None:
        self.traffic_timeout = float(timeout or os.environ.get("CONFORMANCE_MANUAL_TIMEOUT") or 600)
        self.settings: dict[str, Any] = {}
        self.prompts = socle_prompts()

    def configure(self, settings: dict[str, Any]) -> None:
        self.settings.update(settings)
        print("\n=== Paramétrage du DUI / DUI settings ===")
        print(json.dumps(settings, ensure_ascii=False, indent=2, default=str))

    def act(self, action: Action, timeout: float = 30.0) -> Outcome:
        prompt = self.prompts.get(action.verb) or Prompt(f"Action {action.verb}", f"Action {action.verb}")
        print(f"\n=== {action.verb} ===\nFR : {prompt.fr}\nEN : {prompt.en}")
        print(json.dumps(action.params, ensure_ascii=False, indent=2, default=str))
        if not prompt.answer:
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
