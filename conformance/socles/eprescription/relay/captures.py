"""What the e-prescription socle judges in imported captures: the FHIR Bundles the DUI posted.

An ordonnance posted to `.../Bundle` is judged as the Bundle the stand-in service received; the rules
on the printed ordonnance, the numbers and the cancellations need the DUI's own answers and are not
judged from a capture.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from conformance.engine.capture.captures import CapturedExchange
from conformance.engine.capture.imports import Judged
from conformance.model import Artifact


def is_bundle(data: bytes) -> bool:
    try:
        doc = json.loads(data)
    except ValueError:
        return False
    return isinstance(doc, dict) and doc.get("resourceType") == "Bundle"


def read(ex: CapturedExchange, trust: Path | None) -> Sequence[Judged] | None:
    if ex.kind != "http" or ex.method != "POST" or (ex.path and not ex.path.rstrip("/").endswith("/Bundle")):
        return None  # a capture without its HTTP head is judged on its body alone
    if not is_bundle(ex.request):
        return None
    return [Judged(Artifact("fhir", ex.name, ex.request))]
