"""The e-prescription checks import the FHIR engine (FHIRPath) with the first Bundle they read, not when
they are loaded: a parallel run's worker that keeps to the other socles never pays for it (no requirement:
the harness's own start-up)."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from conformance.socle import get_socle
get_socle("eprescription").load_checks()
print(sorted(m for m in ("pydantic", "fhirpathpy", "fhir.resources") if m in sys.modules))
from conformance.registry import run_checks
from conformance.model import Artifact
run_checks(Artifact("fhir", "bundle.json", b'{"resourceType": "Bundle", "type": "document"}'), socles=["eprescription"])
print(sorted(m for m in ("fhirpathpy",) if m in sys.modules))
"""


def test_the_fhir_engine_comes_with_the_first_bundle() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True)
    loaded, judged = out.stdout.strip().splitlines()
    assert loaded == "[]"
    assert judged == "['fhirpathpy']"  # (the models themselves: once per machine, formats.fhir.shape_table)
