"""Bundles for the e-prescription tests: the hand-written good ordonnance, and one-change variants."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conformance.formats.fhir import FhirPackage
from conformance.model import CheckContext, Finding, Verdict
from conformance.socles.eprescription.checks import prescription_findings

REPO = Path(__file__).resolve().parents[3]
GOOD = REPO / "fixtures" / "eprescription" / "ordonnance-good.json"
CORPUS = REPO / ".." / "shared" / "corpus"

PATIENT, PRACTITIONER, ORGANIZATION, MEDICATION, LINE1, LINE2 = range(6)


def good() -> dict[str, Any]:
    return json.loads(GOOD.read_text(encoding="utf-8"))


def res(bundle: dict[str, Any], i: int) -> dict[str, Any]:
    return bundle["entry"][i]["resource"]


def variant(change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    b = copy.deepcopy(good())
    change(b)
    return b


def findings(
    bundle: dict[str, Any] | bytes, ctx: CheckContext | None = None, packages: list[FhirPackage] | None = None
) -> list[Finding]:
    data = bundle if isinstance(bundle, bytes) else json.dumps(bundle).encode()
    return prescription_findings(data, ctx or CheckContext(), packages or [])


def verdict(found: list[Finding], rid: str) -> Verdict | None:
    """Worst verdict for `rid` (None when no finding names it)."""
    mine = [f.verdict for f in found if f.requirement == rid]
    return max(mine, key=lambda v: v.rank) if mine else None


def failures(found: list[Finding], rid: str) -> list[Finding]:
    return [f for f in found if f.requirement == rid and f.verdict is Verdict.FAIL]
