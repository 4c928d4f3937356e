"""Test helpers of the dossier: synthetic FINESS numbers, members files, certificates and demo runs.

Synthetic certificates (`issue`) are signed by the real certificate code over a hand-made results
dict, for the many fast tests of matching and trust; the acceptance tests use certificates made by
real demo runs (`demo_run`), run once per test process and shared by every test that asks.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conformance.certificate.issue import issue_certificate
from conformance.demo import DemoDriver
from conformance.dossier.finess import luhn_ok
from conformance.engine.evidence import DUI, EvidenceJournal
from conformance.identity import Software
from tests.helpers import shared_folder

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HEADER = (
    "Organisme gestionnaire",
    "FINESS juridique",
    "Établissement",
    "FINESS géographique",
    "Catégorie",
    "Solution DUI",
    "Version DUI",
)


def finess(first8: str) -> str:
    """A synthetic FINESS: eight leading characters and the key that makes it pass the Luhn check."""
    if first8.startswith("2B"):
        return first8 + "0"  # Haute-Corse keys are not checked (dossier/finess.py)
    head = "21" if first8.startswith("2A") else first8[:2]
    return next(first8 + str(k) for k in range(10) if luhn_ok(head + first8[2:] + str(k)))


def grappe(
    count: int,
    versions: tuple[str, ...] = ("4.2.1", "5.0"),
    organismes: int = 3,
    departement: str = "69",
    solution: str = "DUI Essai",
) -> list[tuple[str, ...]]:
    """Rows of a grappe: `count` ESMS of `organismes` organismes, DUI versions spread over the rows."""
    ogs = [(f"Organisme Essai {i + 1}", finess(f"{departement}0980{i:02d}")) for i in range(organismes)]
    rows = []
    for i in range(count):
        og = ogs[i % organismes]
        esms = finess(f"{departement}{9900 + i:06d}"[:8])
        rows.append((og[0], og[1], f"EHPAD Essai {i + 1}", esms, "500", solution, versions[i * len(versions) // count]))
    return rows


def members_csv(
    rows: list[tuple[str, ...]], header: tuple[str, ...] = HEADER, sep: str = ";", encoding: str = "utf-8"
) -> bytes:
    lines = [sep.join(header), *(sep.join(r) for r in rows)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def socle(counts: bool = True) -> dict[str, Any]:
    """One socle of a results.json, passing (or failing its one EXIGENCE)."""
    verdict = "pass" if counts else "fail"
    return {
        "title_fr": "Service d'essai (Essai)",
        "title_en": "Test service",
        "catalog_version": "1",
        "verdict": verdict,
        "counts": {},
        "scenarios": [{"title": "Scénario", "outcome": "passed"}],
        "requirements": {
            "X-01": {
                "level": "EXIGENCE",
                "refs": [],
                "verdict": verdict,
                "text_fr": "Texte",
                "title_en": "Text",
                "source": "Réf",
                "source_version": "1",
                "checked": True,
                "not_checked_reason": "",
                "unsure": False,
                "evidence": [],
                "tests": [],
                "findings": [],
            }
        },
    }


def issue(
    folder: Path,
    version: str,
    solution: str = "DUI Essai",
    counting: tuple[str, ...] = ("mssante", "dmp"),
    failing: tuple[str, ...] = (),
    **kw: Any,
) -> Path:
    """A real signed certificate over a synthetic run (evidence folder included) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    journal = EvidenceJournal(folder / "evidence")
    # the message names the software that sent it (X-Mailer), as the declared solution: a counting certificate
    message = f"X-Mailer: {solution} {version}\r\nSubject: essai\r\n\r\nmessage of {solution} {version}\r\n"
    journal.record("message", "m.eml", message.encode(), role=DUI)
    journal.close()
    results = {
        "schema": "dui-conformance/results/1",
        "run_id": f"run-{version}",
        "status": "complete",
        "started": "2026-12-01T10:00:00Z",
        "finished": "2026-12-01T10:00:05Z",
        "solution": {"name": solution, "version": version, "vendor": "Éditeur Essai"},
        "harness": {"version": "0.1.0", "git_commit": None},
        "driver": "demo",
        "mode": "mock-services",
        "rule_sets": [],
        "socles": {**{n: socle() for n in counting}, **{n: socle(False) for n in failing}},
    }
    ran = len(counting) + len(failing)
    results["progress"] = {"done": ran, "total": ran}
    (folder / "results.json").write_text(json.dumps(results), encoding="utf-8")
    return issue_certificate(folder, results, **kw)


class EssaiDui(DemoDriver):
    """The vendor's "DUI Essai": the reference behaviour under its own name, in the version and with the
    seeded defect the test asks for (environment: a python driver is created with no argument). The demo DUI
    itself never makes a certificate count."""

    def __init__(self) -> None:
        super().__init__(os.environ.get("DOSSIER_ESSAI_DEFECT") or None)
        self.software = Software("DUI Essai", os.environ.get("DOSSIER_ESSAI_VERSION", "1.0.0"), "ESSAI-HOMOL-0001")


def demo_run(factory: pytest.TempPathFactory, version: str, dui: str = "demo") -> Path:
    """A `conformance run` of "DUI Essai" in `version` (`demo`, or `demo:<defect>` for one seeded defect) over the
    two socles a grappe's certificate needs to count (MSSanté and DMP; the programme's condition is two socles),
    made once per test session whichever xdist worker asks first (`tests.helpers.shared_folder`)."""

    def make(out: Path) -> None:
        proc = subprocess.run(
            [str(BIN / "conformance"), "run", "--socle", "mssante,dmp",
             "--dui", "python:tests.dossier.helpers:EssaiDui", "--out", str(out),
             "--solution-name", "DUI Essai", "--solution-version", version, "--solution-vendor", "Éditeur Essai"],
            capture_output=True, text=True, timeout=600, check=False, cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO), "DOSSIER_ESSAI_VERSION": version,
                 "DOSSIER_ESSAI_DEFECT": dui.partition(":")[2]},
        )  # fmt: skip
        assert (out / "certificate.html").is_file(), proc.stdout[-3000:] + proc.stderr[-2000:]

    return shared_folder(factory, f"dossier-{dui.replace(':', '-')}-{version}", make)
