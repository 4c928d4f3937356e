"""`conformance run --dui manual:terminal` in a real terminal (a pseudo-terminal): the prompts are seen,
not captured by pytest, and the answer typed there ends the step."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import fixed_ports

BIN = Path(sys.executable).parent


def _read_until(fd: int, wanted: str, within: float) -> str:
    seen = b""
    deadline = time.monotonic() + within
    while wanted.encode() not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
    return seen.decode("utf-8", "replace")


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_terminal_only_prompts_are_visible_and_answered(tmp_path: Path) -> None:
    with fixed_ports():  # the manual driver's services listen on their documented ports: one such run at a time
        _terminal_run(tmp_path / "run")


def _terminal_run(out: Path) -> None:
    main, child = os.openpty()
    proc = subprocess.Popen(
        [
            str(BIN / "conformance"),
            "run",
            "--socle",
            "mssante",
            "--dui",
            "manual:terminal",
            "-k",
            "test_size_limit_honoured",
            "--out",
            str(out),
        ],
        stdin=child,
        stdout=child,
        stderr=child,
        env={**os.environ, "CONFORMANCE_MANUAL_TIMEOUT": "60"},
        close_fds=True,
    )
    os.close(child)
    try:
        shown = _read_until(main, "délai 60 s", 120)
        assert "=== Étape 1 : mssante.send_documents" in shown, shown
        assert "Depuis le DUI, envoyez par MSSanté" in shown and "plus que la taille maximale" in shown
        os.write(main, "refus message de 11 Mo : au-delà de la taille maximale\n".encode())
        rest = _read_until(main, "Attestation", 120)
        assert proc.wait(timeout=60) == 1, rest  # one scenario passed; the socle's other requirements untested
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        os.close(main)
    scenario = json.loads((out / "results.json").read_text())["socles"]["mssante"]["scenarios"][0]
    assert scenario["outcome"] == "passed"
