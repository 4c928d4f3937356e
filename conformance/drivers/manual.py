"""The manual driver: a person operates the DUI while the harness watches the traffic.

Every action becomes a numbered step with a concrete instruction from its socle's prompt ("Envoyez
depuis le DUI le DLU de Mme ESSAI à ..."). The step is shown on the web console (`drivers/console.py`,
http://127.0.0.1:10080 by default) and in the terminal (pytest's capture is off for this driver), and it
ends in one of three ways:
- the mock service records the exchange the step is about (`Prompt.done_when`): the step is done, its
  data read from that record (`Prompt.seen`);
- the person answers, on the web page or in the terminal: what the DUI did ("ok"), refused or failed
  with the message it displayed, or the JSON data only the DUI knows (`Prompt.answer`);
- nobody did anything before the step's deadline: DriverError, and the scenario fails. No scenario
  passes on a step nobody performed.

Specs: `manual` (web console on port 10080 and the terminal), `manual:PORT` (another port, 0 for any
free one), `manual:terminal` (no web console; needs a terminal). The deadline of a step is
`$CONFORMANCE_MANUAL_TIMEOUT` seconds (600 by default).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any, TextIO

import conformance.socle as socles
from conformance.drivers.base import Action, Driver, DriverError, Outcome
from conformance.drivers.steps import Board, Step, parse_answer
from conformance.socle import Prompt

DEFAULT_PORT = 10080
DEFAULT_TIMEOUT = 600.0
TRAFFIC_MARGIN = 15.0  # how long a scenario still waits for traffic after a person said "done"


def socle_prompts() -> dict[str, Prompt]:
    """Every installed socle's prompts, by verb."""
    return {verb: p for socle in socles.installed_socles().values() for verb, p in socle.manual_prompts().items()}


class ManualDriver(Driver):
    name = "manual"
    interactive = True  # the engine turns pytest's capture off around its calls
    fixed_ports = True  # the services listen on their documented ports: the person configures the DUI once

    def __init__(
        self,
        mode: str = "web",
        port: int = DEFAULT_PORT,
        timeout: float | None = None,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
    ) -> None:
        self.mode = mode
        self.port = port
        self.step_timeout = float(timeout or os.environ.get("CONFORMANCE_MANUAL_TIMEOUT") or DEFAULT_TIMEOUT)
        self.act_timeout = self.step_timeout + 5.0  # the guard's limit: the step's own deadline comes first
        self.traffic_timeout = TRAFFIC_MARGIN
        self.prompts = socle_prompts()
        self.board = Board()
        self.stdin = stdin
        self.stdout = stdout
        self.console: Any = None
        self._reader: threading.Thread | None = None

    # -- the terminal ---------------------------------------------------------------------------

    def _out(self) -> TextIO:
        return self.stdout or sys.stdout

    def _say(self, text: str) -> None:
        out = self._out()
        out.write(text + "\n")
        out.flush()

    def _tty(self) -> bool:
        stream = self.stdin or sys.stdin
        return bool(stream) and stream.isatty()

    def _read_answers(self) -> None:
        stream = self.stdin or sys.stdin
        for line in stream:
            step = self.board.current
            if step is None or not line.strip():
                continue
            outcome = parse_answer(line)
            if outcome is None:
                self._say(
                    self._t(
                        "réponse illisible : ok | refus <message> | erreur <message> | {JSON}",
                        "unreadable answer: ok | refused <message> | error <message> | {JSON}",
                    )
                )
                continue
            self.board.answer(step.number, outcome, "person")

    def _t(self, fr: str, en: str) -> str:
        return en if self.board.lang == "en" else fr

    # -- the driver protocol ---------------------------------------------------------------------

    def hello(self, harness: Mapping[str, Any]) -> None:
        """The preflight: open the web console (its port must be free) or check there is a terminal."""
        self.board.lang = str(harness.get("lang") or "fr")
        if self.mode == "terminal" and not self._tty():
            raise DriverError("manual:terminal needs a terminal", "dui-manual-terminal")
        if self.mode == "web":
            from conformance.drivers.console import WebConsole

            self.console = WebConsole(self.board, "127.0.0.1", self.port)
            self.console.start()
            self.board.url = self.console.url
            self._say(
                self._t(f"Console de test manuel : {self.console.url}", f"Manual test console: {self.console.url}")
            )
        if self._tty() and self._reader is None:
            if self.stdin is None:  # the terminal itself: pytest later points file descriptor 0 at /dev/null
                self.stdin = os.fdopen(os.dup(sys.stdin.fileno()), "r", encoding="utf-8", errors="replace")
            self._reader = threading.Thread(target=self._read_answers, name="manual-terminal", daemon=True)
            self._reader.start()

    def follow(self, run: Any) -> None:
        """The engine's view of the run: the console shows its scenarios, steps end on its evidence."""
        self.board.run = run
        self.board.lang = getattr(run, "lang", self.board.lang)

    def configure(self, settings: dict[str, Any]) -> None:
        self.board.configure(settings)
        where = self.board.url or "settings.json"
        self._say(
            self._t(
                f"\n=== Paramétrage du DUI ({', '.join(settings)}) : voir {where} ===",
                f"\n=== DUI settings ({', '.join(settings)}): see {where} ===",
            )
        )
        if not self.board.url:
            self._say(json.dumps(settings, ensure_ascii=False, indent=2, default=str))

    def act(self, action: Action, timeout: float = 30.0) -> Outcome:
        prompt = self.prompts.get(action.verb) or Prompt(
            f"Effectuez dans le DUI l'action {action.verb} avec les paramètres ci-dessous.",
            f"Perform the action {action.verb} in the DUI with the parameters below.",
        )
        step = self.board.begin(action, prompt, self.step_timeout)
        self._show(step)
        # poll the traffic every 0.2 s, and wake at the deadline itself rather than at the next poll after it
        while not step.done.wait(timeout=min(0.2, max(0.0, step.deadline - time.monotonic()) + 0.001)):
            self._watch_traffic(step)
            if time.monotonic() > step.deadline:
                self.board.expire(step)
        if step.outcome is None:
            self._say(
                self._t(
                    f"Étape {step.number} : délai dépassé, personne ne l'a effectuée.",
                    f"Step {step.number}: timed out, nobody performed it.",
                )
            )
            seconds = f"{self.step_timeout:g}"
            raise DriverError(
                f"nobody performed step {step.number} ({action.verb}) within {seconds} s",
                "step-timeout",
                number=step.number,
                verb=action.verb,
                seconds=seconds,
            )
        return step.outcome

    def _watch_traffic(self, step: Step) -> None:
        if not step.automatic:
            return
        for row in self.board.journal_rows(step.since):
            if row["kind"] in step.prompt.done_when:
                data: dict[str, Any] = {}
                if step.prompt.seen is not None:
                    raw = self.board.evidence_file(row["path"])
                    data = step.prompt.seen(raw) if raw is not None else {}
                self.board.answer(step.number, Outcome("ok", data, ""), "traffic")
                return

    def _show(self, step: Step) -> None:
        lang = self.board.lang
        head = self._t(f"\n=== Étape {step.number} : {step.verb}", f"\n=== Step {step.number}: {step.verb}")
        self._say(head + (f" ({step.scenario})" if step.scenario else "") + " ===")
        self._say(step.instruction(lang))
        if not self.board.url:  # the web console shows them; the terminal alone must
            self._say(json.dumps(step.params, ensure_ascii=False, indent=2, default=str))
        if step.automatic:
            self._say(
                self._t(
                    "Le harnais attend l'échange sur le service simulé ; si le DUI refuse, répondez "
                    "« refus <message affiché> ».",
                    "The harness waits for the exchange on the mock service; if the DUI refuses, answer "
                    "'refused <message shown>'.",
                )
            )
        where = (
            self._t(f"Répondez sur {self.board.url} ou ici", f"Answer at {self.board.url} or here")
            if self.board.url
            else self._t("Répondez ici", "Answer here")
        )
        self._say(
            self._t(
                f"{where} : ok | refus <message> | erreur <message> | {{JSON}} (délai {step.timeout:.0f} s)",
                f"{where}: ok | refused <message> | error <message> | {{JSON}} (within {step.timeout:.0f} s)",
            )
        )

    def close(self) -> None:
        if self.console is not None:
            self.console.stop()
            self.console = None
