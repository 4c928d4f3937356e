"""Run the DMP suite through the engine before the socle has its entry point.

The lead registers `dmp` in pyproject.toml once the suite passes with the demo DUI; until then
tests add it to `installed_socles()` in a child pytest process (the same way tests/test_engine.py
adds its toy socle), so the run goes through the real plugin, fixtures module, journal and verdicts.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

BOOT = """
import sys
import pytest
import conformance.socle as socle_module
from conformance.socles.dmp import SOCLE
installed = dict(socle_module.installed_socles())
installed["dmp"] = SOCLE
socle_module.installed_socles = lambda: installed
sys.exit(pytest.main(sys.argv[1:]))
"""


def run_suite(out: Path, dui: str = "demo", *extra: str) -> tuple[int, str, dict[str, Any]]:
    """(exit code, output tail, results.json) of `pytest --socle=dmp --dui=<dui>`."""
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            BOOT,
            "--socle",
            "dmp",
            "--dui",
            dui,
            "--out",
            str(out),
            "-p",
            "no:cacheprovider",
            "-q",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=str(out.parent),
    )
    results = json.loads((out / "results.json").read_text()) if (out / "results.json").is_file() else {}
    return proc.returncode, proc.stdout[-4000:] + proc.stderr[-2000:], results
