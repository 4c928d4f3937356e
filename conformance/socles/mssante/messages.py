"""The MSSanté socle's findings by name: every message, in French and English, is in `messages.toml`.

Checks, readers and scenarios say which message and with which values (`M.fail(rid, "key", where,
name=...)`); the table says how it reads. A parameter whose wording depends on the language is
passed as a `Text` and written `{what.en}` / `{what.fr}` in the two templates.
"""

from __future__ import annotations

from pathlib import Path

from conformance.messages import Messages

M = Messages(Path(__file__).with_name("messages.toml"), "mssante")
