"""What the MSSanté socle judges in imported captures: the e-mails the DUI sent (`.eml`).

A capture says nothing of the scenario (which patient, whether a receipt was asked): the message is
judged as `conformance validate` judges it, with the context the message itself gives; the rules that
need more are judged by the checks' own fallbacks, or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from conformance.engine.capture.captures import CapturedExchange
from conformance.engine.capture.imports import Judged
from conformance.model import Artifact


def read(ex: CapturedExchange, trust: Path | None) -> Sequence[Judged] | None:
    if ex.kind != "email":
        return None
    return [Judged(Artifact("email", ex.name, ex.request))]
