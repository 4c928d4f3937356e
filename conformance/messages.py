"""Findings built by name: every message of a socle, in French and English, in one table.

A check says *which* message and with which values (`M.fail("MSS-MSG-01", "header-missing",
"header Date", name="Date")`); the table (`profiles/<socle>/messages.toml`, one `[key]` with `en`
and `fr` templates) says how it reads in each language. Translations are then reviewed in one
file, a template's parameters are checked against its twin, and the certificate and the console
pick the language in one place (`Finding.text(lang)`).

Templates use `str.format` fields: `{name}`, `{value!r}`, `{count:d}`.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from conformance import tomlcache
from conformance.model import Finding, Verdict

LANGS = ("fr", "en")


class MessageError(KeyError):
    """An unknown key, a missing parameter or a table whose languages disagree."""


@dataclass(frozen=True)
class Text:
    """One message in both languages, already filled in."""

    en: str
    fr: str

    def __add__(self, other: Text) -> Text:
        return Text(self.en + other.en, self.fr + other.fr)


def fields_of(template: str) -> set[str]:
    """The named parameters of a template (`{name!r}` -> "name")."""
    out: set[str] = set()
    for _, name, _, _ in string.Formatter().parse(template):
        if name:
            out.add(name.split(".")[0].split("[")[0])
    return out


class Messages:
    """A message table read from TOML: `[key]` tables with `en` and `fr` strings."""

    def __init__(self, path: Path, name: str = "") -> None:
        self.path = path
        self.name = name or path.parent.name

    @cached_property
    def table(self) -> dict[str, tuple[str, str]]:
        return load_table(tomlcache.loads(self.path.read_bytes()), str(self.path))

    def text(self, key: str, **params: Any) -> Text:
        try:
            en, fr = self.table[key]
        except KeyError as exc:
            raise MessageError(f"{self.name}: no message {key!r} in {self.path}") from exc
        try:
            return Text(en.format(**params), fr.format(**params))
        except (KeyError, IndexError) as exc:
            raise MessageError(f"{self.name}: message {key!r} needs parameter {exc}") from exc

    def finding(self, requirement: str, verdict: Verdict, key: str, location: str = "", **params: Any) -> Finding:
        t = self.text(key, **params)
        return Finding(requirement, verdict, t.en, t.fr, location)

    def passed(self, requirement: str, key: str, location: str = "", **params: Any) -> Finding:
        return self.finding(requirement, Verdict.PASS, key, location, **params)

    def fail(self, requirement: str, key: str, location: str = "", **params: Any) -> Finding:
        return self.finding(requirement, Verdict.FAIL, key, location, **params)

    def warn(self, requirement: str, key: str, location: str = "", **params: Any) -> Finding:
        return self.finding(requirement, Verdict.WARN, key, location, **params)

    def not_applicable(self, requirement: str, key: str, location: str = "", **params: Any) -> Finding:
        return self.finding(requirement, Verdict.NOT_APPLICABLE, key, location, **params)

    def judge(self, requirement: str, ok: bool, key_ok: str, key_ko: str, location: str = "", **params: Any) -> Finding:
        """A pass or a fail, each by its own message."""
        return (
            self.passed(requirement, key_ok, location, **params)
            if ok
            else self.fail(requirement, key_ko, location, **params)
        )


def finding(requirement: str, verdict: Verdict, text: Text, location: str = "") -> Finding:
    """A finding from a message already filled in (for helpers that collect `Text`s)."""
    return Finding(requirement, verdict, text.en, text.fr, location)


def fails_or_pass(
    requirement: str, problems: Sequence[tuple[Text, str]], ok: Text, location: str = ""
) -> list[Finding]:
    """One fail per (message, location) problem, or a single pass when there is none."""
    if problems:
        return [finding(requirement, Verdict.FAIL, text, where) for text, where in problems]
    return [finding(requirement, Verdict.PASS, ok, location)]


def load_table(raw: Mapping[str, Any], where: str) -> dict[str, tuple[str, str]]:
    """Validate a parsed table: every key has both languages with the same parameters."""
    out: dict[str, tuple[str, str]] = {}
    for key, entry in raw.items():
        if not isinstance(entry, Mapping) or not all(isinstance(entry.get(lang), str) for lang in LANGS):
            raise MessageError(f"{where}: [{key}] needs an 'en' and an 'fr' string")
        en, fr = str(entry["en"]), str(entry["fr"])
        if fields_of(en) != fields_of(fr):
            raise MessageError(f"{where}: [{key}] en uses {sorted(fields_of(en))}, fr uses {sorted(fields_of(fr))}")
        out[key] = (en, fr)
    return out
