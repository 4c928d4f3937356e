"""The DMP socle's findings, by name: every French and English text is in `messages.toml`.

Checks say which message and with which values (`M.text("header.title-empty")`); the table says
how it reads in each language, so that translations are reviewed in one file and a template's
parameters are checked against its twin.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conformance.messages import Messages, Text
from conformance.registry import Unreadable

M = Messages(Path(__file__).with_name("messages.toml"), "dmp")


def refusal(key: str, location: str = "/", **params: Any) -> Unreadable:
    """The exception a reader raises when an artifact cannot be read, its reason by name."""
    return unreadable(M.text(key, **params), location)


def unreadable(text: Text, location: str) -> Unreadable:
    """The same, for a reason already worded (an MTOM framing error)."""
    return Unreadable(text.en, text.fr, location)
