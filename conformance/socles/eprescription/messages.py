"""The e-prescription socle's messages, by name (messages.toml): every finding it builds reads from here."""

from __future__ import annotations

from pathlib import Path

from conformance.messages import Messages, Text

M = Messages(Path(__file__).with_name("messages.toml"), "eprescription")


def either(value: str, key: str) -> Text:
    """`value` as is in both languages, or the message `key` (a word such as "none") when it is empty."""
    return Text(value, value) if value else M.text(key)
