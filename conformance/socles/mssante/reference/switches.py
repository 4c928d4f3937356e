"""What a seeded MSSanté defect can change in the reference DUI: the kinds of switch, not the defects.

Three kinds, each read at one place: departures of the built artifacts (`Deviations`, read by the
builders of `conformance.socles.mssante.build`), transport flaws (`TlsFlaws`, read by `client`) and
decisions of the DUI itself (`Lapse`, read where the decision is taken, in `part` and `receiving`).
Which defect turns on which switch is written once, in `defects.DEFECTS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, auto

from conformance.demo import switches_of
from conformance.socle import Defect
from conformance.socles.mssante.build.inputs import REFERENCE, Deviations
from conformance.socles.mssante.reference.client import NO_FLAWS, TlsFlaws


class Lapse(Enum):
    """A decision the reference DUI gets wrong."""

    REPORTS_UNSENT_AS_SENT = auto()  # operator unreachable: the message is "queued"
    MIXES_PATIENTS = auto()  # the second document of a message is another usager's
    IDENTIFIES_BY_SUBJECT = auto()  # files a received document by the name in the subject
    SHOWS_ROUTING_PREFIX = auto()  # the message list shows XDM/1.0/DDM+
    HIDES_PATIENT_SENDER = auto()  # messages from usagers look like any other
    IGNORES_RECEIPTS = auto()  # DSN/MDN are not correlated with what was sent
    WRITES_TO_UNQUALIFIED = auto()  # the usager's INS address without a qualified identity
    SENDS_MASKED_DOCUMENT = auto()  # a document masked to the patient goes to the patient
    IGNORES_OPPOSITION = auto()  # the usager opposed MSSanté sending
    KEEPS_NO_TRAIL = auto()  # operations on the BAL are not traced
    IGNORES_WHITELIST = auto()  # recipients outside the liste blanche


@dataclass(frozen=True)
class Switches:
    deviations: Deviations = REFERENCE
    tls: TlsFlaws = NO_FLAWS
    lapse: Lapse | None = None

    def on(self, lapse: Lapse) -> bool:
        return self.lapse is lapse

    @classmethod
    def of(cls, defect: Defect | None) -> Switches:
        """The switches the chosen row of `defects.DEFECTS` turns on (the reference's without a row)."""
        return switches_of(cls, defect, {Deviations: "deviations", TlsFlaws: "tls", Lapse: "lapse"})
