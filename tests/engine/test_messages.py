"""The core's own findings come from one table, in both languages, with the wording results already use."""

from __future__ import annotations

import re
from pathlib import Path

from conformance.engine.messages import M

PACKAGE = Path(__file__).resolve().parents[2] / "conformance"


def test_every_message_is_used_and_every_use_is_in_the_table() -> None:
    core = [
        *PACKAGE.glob("engine/**/*.py"),
        *PACKAGE.glob("drivers/*.py"),
        PACKAGE / "registry.py",
        PACKAGE / "observations.py",
    ]
    sources = "".join(p.read_text() for p in [*core, PACKAGE / "formats" / "sniff.py"])
    for key in M.table:
        assert f'"{key}"' in sources, f"message {key} is never used"
    used = set(re.findall(r'M\.\w+\([^)]*?"([a-z]+(?:-[a-z]+)+)"', sources))
    assert used and used <= set(M.table), used - set(M.table)


def test_wording_is_unchanged() -> None:
    assert M.text("check-crashed", name="c", error="E: x").fr == "la vérification c a échoué : E: x"
    assert M.text("input-too-large", limit=10).en == "file larger than the 10-byte limit: not checked"
    assert M.text("scenario-driver-error", message="m").fr == "erreur (pilote), rien à évaluer : m"


def test_every_console_line_is_used() -> None:
    """The run console's table: each key is named in the code, or built from a prefix the code names."""
    from conformance.engine.console import M as CONSOLE

    sources = "".join(p.read_text() for p in PACKAGE.rglob("*.py"))
    dynamic = ("status-", "verdict-", "count-", "dui-", "sign-", "out-")
    for key in CONSOLE.table:
        prefix = key.split("-")[0] + "-"
        assert f'"{key}"' in sources or (key.startswith(dynamic) and re.search(f"[\"']{prefix}", sources)), key
