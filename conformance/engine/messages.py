"""The findings the core builds itself (HARNESS-KIND, HARNESS-CHECK, HARNESS-INPUT, dead scenarios).

They come from one table, `messages.toml` beside this module, like every socle's findings, so that
their two languages are reviewed together and read the same way everywhere.
"""

from __future__ import annotations

from pathlib import Path

from conformance.messages import Messages

M = Messages(Path(__file__).with_name("messages.toml"), "engine")
