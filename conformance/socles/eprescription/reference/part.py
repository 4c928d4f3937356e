"""The e-prescription part of the reference DUI: verbs "eprescription.prescribe", "eprescription.cancel"
and "eprescription.share".

The prescriber (`client`) registers, prints and cancels ordonnances with the service; the sharer
(`share`) sends a registered one to the DMP and to the patient through the DMP and MSSanté parts it
receives from `bind`. A seeded defect (a row of `defects.DEFECTS`) switches one thing in one of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from conformance.demo import Verb, internal_error
from conformance.drivers.base import Outcome
from conformance.socle import Defect
from conformance.socles.eprescription.reference.client import Prescriber
from conformance.socles.eprescription.reference.share import OrdonnanceSharer
from conformance.socles.eprescription.reference.switches import Switches

if TYPE_CHECKING:
    from conformance.demo import ReferencePart


def _answer(fn: Callable[[dict[str, Any], float], Outcome]) -> Verb:
    """One e-prescription verb; a bug of the reference DUI is still an answer, never a traceback."""

    def verb(params: dict[str, Any], timeout: float) -> Outcome:
        try:
            return fn(dict(params), timeout)
        except Exception as exc:
            return internal_error(exc)

    return verb


class EprescriptionPart:
    def __init__(self, defect: Defect | None = None) -> None:
        sw = Switches.of(defect)
        self.prescriber = Prescriber(sw)
        self.sharer = OrdonnanceSharer(self.prescriber, sw.share)
        self.verbs: Mapping[str, Verb] = {
            "eprescription.prescribe": _answer(lambda p, _timeout: self.prescriber.prescribe(p)),
            "eprescription.cancel": _answer(lambda p, _timeout: self.prescriber.cancel(p)),
            "eprescription.share": _answer(self.sharer.share),
        }

    def configure(self, settings: dict[str, Any]) -> None:
        self.prescriber.configure(settings)

    def bind(self, peers: Mapping[str, ReferencePart]) -> None:
        """The other socles' parts: sharing feeds the DMP and writes to the patient through them."""
        self.sharer.peers = peers
