"""The steps of a manual run: what a person is asked to do, until when, and how each step ended.

`Board` is the state the manual driver, its web console and the terminal share (thread-safe); a
`Step` is one action with its instruction filled from the socle's prompt; `parse_answer` reads a
person's one-line answer. Kept apart from the driver so that the console and the driver both use it.
"""

from __future__ import annotations

import json
import string
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.drivers.base import Action, DriverError, Outcome
from conformance.socle import Prompt

HISTORY = 50  # finished steps the console keeps showing


class _Blank(dict[str, str]):
    """Fields a prompt names but its socle did not fill stay visible as {name} rather than raising."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, fields: Mapping[str, str]) -> str:
    try:
        return string.Formatter().vformat(template, (), _Blank(fields))
    except (ValueError, IndexError):
        return template


@dataclass
class Step:
    """One action a person performs: what to do, until when, and how it ended."""

    number: int
    verb: str
    params: dict[str, Any]
    prompt: Prompt
    instruction_fr: str
    instruction_en: str
    scenario: str
    timeout: float
    since: int  # the journal's last sequence number when the step began
    started: float = field(default_factory=time.monotonic)
    done: threading.Event = field(default_factory=threading.Event)
    outcome: Outcome | None = None
    ended_by: str = ""  # person | traffic | timeout

    @property
    def deadline(self) -> float:
        return self.started + self.timeout

    @property
    def automatic(self) -> bool:
        """The step ends by itself when the exchange it is about reaches the mock service."""
        return bool(self.prompt.done_when)

    def instruction(self, lang: str) -> str:
        return self.instruction_en if lang == "en" else self.instruction_fr

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "verb": self.verb,
            "params": self.params,
            "instruction_fr": self.instruction_fr,
            "instruction_en": self.instruction_en,
            "scenario": self.scenario,
            "answer": self.prompt.answer,
            "automatic": self.automatic,
            "template": self.prompt.template,
            "remaining": max(0.0, round(self.deadline - time.monotonic(), 1)),
            "since": self.since,
            "done": self.done.is_set(),
            "ended_by": self.ended_by,
            "outcome": self.outcome.to_json() if self.outcome else None,
        }


class Board:
    """The state the driver, the web console and the terminal share; every method is thread-safe."""

    def __init__(self, lang: str = "fr") -> None:
        self.lang = lang
        self.lock = threading.Lock()
        self.settings: dict[str, Any] = {}
        self.current: Step | None = None
        self.history: list[Step] = []
        self.run: Any = None  # the RunView the engine hands over (`ManualDriver.follow`)
        self.url = ""
        self._numbers = 0

    def configure(self, settings: Mapping[str, Any]) -> None:
        with self.lock:
            self.settings.update(settings)

    def begin(self, action: Action, prompt: Prompt, timeout: float) -> Step:
        fields = dict(prompt.fields(action.params)) if prompt.fields else {}
        scenario = next((s.get("title", "") for s in self.scenarios() if s.get("outcome") == "pending"), "")
        rows = self.journal_rows()
        with self.lock:
            self._numbers += 1
            step = Step(
                self._numbers,
                action.verb,
                dict(action.params),
                prompt,
                fill(prompt.fr, fields),
                fill(prompt.en, fields),
                scenario,
                timeout,
                rows[-1]["seq"] if rows else 0,
            )
            self.current = step
        return step

    def answer(self, number: int, outcome: Outcome, by: str) -> bool:
        """End step `number` with `outcome`; False when it is not the step in progress any more."""
        with self.lock:
            step = self.current
            if step is None or step.number != number or step.done.is_set():
                return False
            step.outcome, step.ended_by = outcome, by
            step.done.set()
            self.current = None
            self.history = [*self.history[-HISTORY + 1 :], step]
        return True

    def expire(self, step: Step) -> None:
        with self.lock:
            if not step.done.is_set():
                step.ended_by = "timeout"
                step.done.set()
                if self.current is step:
                    self.current = None
                self.history = [*self.history[-HISTORY + 1 :], step]

    # -- what the run shows (through the engine's RunView, when a run is followed) ---------------

    def scenarios(self) -> list[dict[str, Any]]:
        return list(self.run.scenarios()) if self.run is not None else []

    def journal_rows(self, since: int = 0) -> list[dict[str, Any]]:
        return list(self.run.journal_rows(since)) if self.run is not None else []

    def evidence_file(self, rel: str) -> bytes | None:
        """A file of the run's evidence folder, only if the journal lists it (never a path from outside)."""
        if self.run is None or not any(r["path"] == rel for r in self.journal_rows()):
            return None
        try:
            data: bytes = (self.run.out / "evidence" / rel).read_bytes()
        except OSError:
            return None
        return data


def parse_answer(text: str) -> Outcome | None:
    """A person's one-line answer: ok | refus <message> | erreur <message> | {JSON data or whole answer}."""
    line = text.strip()
    word, _, rest = line.partition(" ")
    if word.lower() in ("ok", "fait", "done"):
        return Outcome("ok", {}, rest.strip())
    if word.lower() in ("refus", "refusé", "refused", "refuse"):
        return Outcome("refused", {}, rest.strip())
    if word.lower() in ("erreur", "error"):
        return Outcome("error", {}, rest.strip())
    if line.startswith("{"):
        try:
            data = json.loads(line)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        try:
            return Outcome.from_json(data if "status" in data else {"status": "ok", "data": data})
        except DriverError:
            return None
    return None
