"""The run's console: one language per surface (French unless `--lang en`), the harness's own words.

Every line `conformance run` prints comes from one table, `console.toml` beside this module, so the
console never mixes the two languages: the status words pytest would print (PASSED, FAILED) are the
harness's own ("RÉUSSI", "ÉCHOUÉ"), a failing scenario shows its failing findings in the console's
language rather than a traceback, and the summary ends with the per-socle verdicts and the "au moins
deux services socles" verdict read back from the certificate the run issued.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from conformance.messages import Messages, Text

M = Messages(Path(__file__).with_name("console.toml"), "console")
MAX_FINDINGS = 5  # failing findings shown under a failed scenario; the rest are in results.json


def console_lang(langs: Sequence[str]) -> str:
    """`--lang en` makes the console English (the same option as the certificate); French otherwise."""
    return "en" if "en" in langs else "fr"


def pick(text: Text, lang: str) -> str:
    return text.en if lang == "en" else text.fr


def say(lang: str, key: str, **params: Any) -> str:
    return pick(M.text(key, **params), lang)


class Console:
    """Writes the run's lines to a stream chosen before pytest captures the standard output."""

    def __init__(self, lang: str = "fr", stream: TextIO | None = None) -> None:
        self.lang = lang
        self.stream = stream or sys.stdout
        self.own_lines = False  # a driver that talks to a person writes between a scenario's start and end

    def say(self, key: str, **params: Any) -> str:
        return say(self.lang, key, **params)

    def say_text(self, text: Text) -> str:
        return pick(text, self.lang)

    def write(self, text: str, end: str = "\n") -> None:
        self.stream.write(text + end)
        self.stream.flush()

    def line(self, key: str, **params: Any) -> None:
        self.write(self.say(key, **params))

    # -- scenario by scenario -------------------------------------------------------------------

    def started(self, done: int, total: int, socle: str, title: str) -> None:
        line = self.say("progress", done=done, total=total, socle=socle, title=title)
        self.write(line, end="\n" if self.own_lines else " ")

    def ended(self, outcome: str, seconds: float, findings: Sequence[dict[str, Any]], detail: str = "") -> None:
        """The status word, then (failed or error) the failing findings, at most MAX_FINDINGS of them."""
        self.write(f"{'  -> ' if self.own_lines else ''}{self.say('status-' + outcome)} ({seconds:.1f} s)")
        if outcome not in ("failed", "error"):
            return
        failing = [f for f in findings if f.get("verdict") == "fail"]
        for f in failing[:MAX_FINDINGS]:
            where = f" ({_one_line(str(f['location']), 120)})" if f.get("location") else ""
            message = (f.get("message_fr") if self.lang == "fr" else None) or f.get("message", "")
            self.line(
                "finding-line",
                verdict=self.say("finding-fail"),
                requirement=f.get("requirement", ""),
                message=_one_line(str(message)),
                where=where,
            )
        if len(failing) > MAX_FINDINGS:
            self.line("finding-more", count=len(failing) - MAX_FINDINGS)
        if not failing and detail:
            self.line("scenario-detail", detail=_one_line(detail.strip().splitlines()[-1] if detail.strip() else ""))

    # -- the end of the run ---------------------------------------------------------------------

    def summary(self, out: Path) -> None:
        """Per socle its verdict and counts, the unmet EXIGENCE, the ≥ 2 verdict, where the files are."""
        results = _read(out / "results.json") or {"socles": {}}
        certificate = _read(out / "certificate.json") or {}
        self.write("")
        self.line("summary-title")
        for name, s in results["socles"].items():
            self._socle(name, s)
        two = certificate.get("at_least_two")
        if two is not None:
            counting = two.get("counting") or []
            self.line(
                "summary-two",
                policy=(certificate.get("policy") or {}).get("id", ""),
                verdict=self.say("yes" if two.get("verdict") else "no"),
                counting=self.say("summary-counting", names=", ".join(counting)) if counting else "",
            )
        self.line("summary-results", path=out / "results.json")
        if (out / "certificate.html").is_file():
            self.line("summary-certificate", path=out / "certificate.html")

    def _socle(self, name: str, s: dict[str, Any]) -> None:
        reqs = s.get("requirements", {})
        exigences = [r for r in reqs.values() if r.get("level") == "EXIGENCE"]
        by: dict[str, int] = {}
        for r in exigences:
            by[r["verdict"]] = by.get(r["verdict"], 0) + 1
        parts = [
            self.say(key, count=by.get(verdict, 0))
            for key, verdict in (
                ("count-passed", "pass"),
                ("count-failed", "fail"),
                ("count-warned", "warn"),
                ("count-not-tested", "not-tested"),
                ("count-not-checked", "not-checked"),
            )
            if by.get(verdict) or verdict in ("pass", "fail")
        ]
        scenarios = s.get("scenarios", [])
        passed = sum(1 for x in scenarios if x.get("outcome") == "passed")
        title = (s.get("title_en") if self.lang == "en" else s.get("title_fr")) or name
        self.line(
            "summary-socle",
            title=f"{name} ({title})",
            verdict=self.say("verdict-" + str(s.get("verdict", "incomplete"))),
            exigences=", ".join(parts),
            scenarios=self.say("count-scenarios", passed=passed, total=len(scenarios)),
        )
        unmet = [
            rid for rid, r in reqs.items() if r in exigences and r["checked"] and r["verdict"] in ("fail", "not-tested")
        ]
        if unmet and s.get("verdict") != "incomplete":
            self.line("summary-not-met", ids=", ".join(unmet))


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
