"""The greeting kind, its reader and its one check (GRT-01, GRT-02)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from conformance.formats.sniff import Sniffed
from conformance.messages import Messages
from conformance.model import Artifact, CheckContext, Finding
from conformance.observations import Judged, observes, register_reader
from conformance.registry import Unreadable, check, reader

M = Messages(Path(__file__).with_name("messages.toml"), "greeting")
MAGIC = b"GREETING/1\n"


def is_greeting(s: Sniffed) -> bool:
    """A greeting file starts with its magic line."""
    return s.head.startswith(MAGIC)


@reader("greeting", "greeting", "GRT-01")
def read_greeting(art: Artifact, ctx: CheckContext) -> str:
    body = art.data[len(MAGIC) :] if art.data.startswith(MAGIC) else art.data
    try:
        return body.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        t = M.text("unreadable", reason=exc.reason)
        raise Unreadable(t.en, t.fr, "greeting") from exc


@check("greeting", "greeting", "GRT-01", "GRT-02")
def check_greeting(text: str, ctx: CheckContext) -> Iterator[Finding]:
    yield M.judge("GRT-01", text.startswith("Bonjour"), "bonjour.ok", "bonjour.missing", "greeting", start=text[:12])
    name = (ctx.patient or {}).get("family")
    if not name:
        yield M.not_applicable("GRT-02", "name.unknown", "greeting")
    else:
        yield M.judge("GRT-02", name in text, "name.ok", "name.missing", "greeting", name=name)


register_reader("greeting")  # what the scenario observes is recorded and judged like an artifact


@observes("greeting", "nothing-received")
def nothing_received(facts: Mapping[str, Any]) -> Judged:
    """The service received no greeting: every rule the scenario declares fails."""
    text = M.text("nothing-received", status=facts["status"], detail=facts["detail"])
    return facts["received"] > 0, text
