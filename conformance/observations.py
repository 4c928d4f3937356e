"""Observations: what a scenario saw that is not an artifact, recorded as one and judged by a check.

A scenario often judges facts rather than bytes: "the DUI answered `refused` and the operator got no
message", "the inbox listing hides the XDM prefix". Such facts are recorded as a small JSON artifact of
the socle's observation kind (`<socle>-observation`: the rule to apply, the requirement it speaks
about, the facts, where they come from) and judged by a registered check of that socle, exactly like an
e-mail or a CDA. The verdict is therefore computed again from the record whenever the evidence is
re-judged, never copied from what the scenario once concluded.

A socle writes each judge once:

    @observes("greeting", "greeting.refused", "GRT-03")
    def refused(facts):
        ok = facts["status"] == "refused" and not facts["received"]
        return ok, M.text("refused" if ok else "accepted", status=facts["status"])

and the scenario hands it the facts: `verify.observe("GRT-03", "greeting.refused", {...}, where)`.
A judge registered without requirements may speak about any requirement the scenario names (e.g.
"nothing reached the service, so every declared rule fails").
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from conformance.engine.messages import M
from conformance.jsontext import pretty
from conformance.messages import Text
from conformance.model import Artifact, CheckContext, Finding, Verdict
from conformance.registry import Unreadable, check, reader

SCHEMA = "dui-conformance/observation/1"
REFUSAL_RULE = "HARNESS-OBSERVATION"  # an observation record that cannot be read (edited evidence)

Judged = tuple[bool | Verdict, Text]
JudgeFn = Callable[[Mapping[str, Any]], Judged]


def kind_of(socle: str) -> str:
    """The artifact kind of a socle's observations."""
    return f"{socle}-observation"


@dataclass(frozen=True)
class Observation:
    rule: str  # the judge's name
    requirement: str
    facts: Mapping[str, Any]
    location: str = ""

    def to_bytes(self) -> bytes:
        data = {
            "schema": SCHEMA,
            "rule": self.rule,
            "requirement": self.requirement,
            "location": self.location,
            "facts": self.facts,
        }
        return pretty(data, sort_keys=True)

    def artifact(self, socle: str) -> Artifact:
        return Artifact(kind_of(socle), f"{self.rule}.json", self.to_bytes())


def read_observation(art: Artifact, ctx: CheckContext) -> Observation:
    """Every socle's observation reader: the JSON record, or a refusal naming what is wrong."""
    try:
        data = json.loads(art.data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Unreadable(*_unreadable(f"not JSON: {exc}"), art.name) from exc
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise Unreadable(*_unreadable(f"schema is not {SCHEMA}"), art.name)
    rule, rid, facts = data.get("rule"), data.get("requirement"), data.get("facts")
    if not isinstance(rule, str) or not isinstance(rid, str) or not isinstance(facts, dict):
        raise Unreadable(*_unreadable("rule, requirement or facts missing"), art.name)
    return Observation(rule, rid, facts, str(data.get("location") or ""))


def _unreadable(reason: str) -> tuple[str, str]:
    t = M.text("observation-unreadable", reason=reason)
    return t.en, t.fr


def moot(count: int) -> Judged:
    """The facts show something to judge after all (edited facts, or a judge called too early): the
    observation is not applicable, the things themselves are judged."""
    return Verdict.NOT_APPLICABLE, M.text("observation-moot", count=count)


def register_reader(socle: str) -> None:
    """A socle that makes observations registers their reader once (in the module of its judges)."""
    reader(kind_of(socle), socle, REFUSAL_RULE, fail_skipped=False)(read_observation)


def observes(socle: str, rule: str, *requirements: str) -> Callable[[JudgeFn], JudgeFn]:
    """Register `fn(facts) -> (ok or Verdict, Text)` as the judge of the observations named `rule`."""

    def deco(fn: JudgeFn) -> JudgeFn:
        def judge(obs: Observation, ctx: CheckContext) -> Iterable[Finding]:
            if obs.rule != rule:
                return []
            if requirements and obs.requirement not in requirements:
                foreign = M.fail(REFUSAL_RULE, "observation-foreign", obs.location, rule=rule, about=obs.requirement)
                return [foreign]
            try:
                verdict, text = fn(obs.facts)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:  # facts edited into another shape
                return [M.fail(obs.requirement, "observation-facts", obs.location, rule=rule, error=repr(exc))]
            if isinstance(verdict, bool):
                verdict = Verdict.PASS if verdict else Verdict.FAIL
            return [Finding(obs.requirement, verdict, text.en, text.fr, obs.location)]

        judge.__name__ = judge.__qualname__ = fn.__name__  # registered under the judge's own name
        judge.__module__ = fn.__module__
        check(kind_of(socle), socle, *requirements)(judge)
        return fn

    return deco
