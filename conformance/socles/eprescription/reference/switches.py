"""What a seeded e-prescription defect can change in the reference DUI: the kinds of switch, not the defects.

One kind per place where the reference DUI can go wrong, each read only there: the ordonnance Bundle
(`BundleFlaw`, read by `bundle`), the printed ordonnance (`PrintFlaw`, by `pdf`), the exchanges with
the service (`FlowFlaw`, by `client`) and sharing the ordonnance with the DMP and the patient
(`ShareFlaw`, by `share`). Which defect turns on which is written once, in `defects.DEFECTS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, auto

from conformance.demo import switches_of
from conformance.socle import Defect


class BundleFlaw(Enum):
    """One element of the ordonnance Bundle built wrong."""

    LINE_WITHOUT_PROFILE = auto()
    AUTHORED_WITHOUT_TIMEZONE = auto()
    LATER_LINES_WITHOUT_REQUESTER = auto()
    RPPS_WITHOUT_PREFIX = auto()
    SUBJECT_IS_PRESCRIBER = auto()
    LATER_LINES_WITHOUT_DOSAGE = auto()
    CONDITION_AS_PATIENT_INSTRUCTION = auto()
    INPATIENT_LINE_AS_CIP = auto()
    MEDICATION_TWO_CODES = auto()
    CODED_WITH_INGREDIENT = auto()
    DOSE_COMPARATOR = auto()
    UNIT_LOCAL_SYSTEM = auto()
    UNIT_ANNOTATION = auto()
    DURATION_NOT_UCUM = auto()
    GROUP_PER_LINE = auto()
    LINKED_LINE_NOT_OPTION = auto()
    INS_WRONG_KEY = auto()
    INS_WITHOUT_BIRTHPLACE = auto()
    FINESS_WITHOUT_PREFIX = auto()
    LEGACY_CANONICAL = auto()
    PATCH_WITHOUT_DURATION = auto()
    VEHICLE_FLAG_AS_STRING = auto()
    AUTHORED_IN_THE_FUTURE = auto()
    UNIT_NOT_UCUM = auto()
    LINES_FOR_TWO_PATIENTS = auto()
    INS_OTHER_BIRTH_YEAR = auto()


class PrintFlaw(Enum):
    """One mark of the printed ordonnance wrong."""

    QR_OTHER_NUMBER = auto()
    NUMBER_ONLY_IN_QR = auto()
    NO_QR_CODE = auto()


class FlowFlaw(Enum):
    """One exchange with the e-prescription service handled wrong."""

    REPORTS_REFUSAL_AS_REGISTERED = auto()
    CANCELS_LOCALLY = auto()


class ShareFlaw(Enum):
    """Sharing the ordonnance with the DMP or the patient done wrong."""

    TYPED_AS_CARE_PRESCRIPTION = auto()
    SENDS_TO_UNQUALIFIED = auto()


@dataclass(frozen=True)
class Switches:
    bundle: BundleFlaw | None = None
    printed: PrintFlaw | None = None
    flow: FlowFlaw | None = None
    share: ShareFlaw | None = None

    @classmethod
    def of(cls, defect: Defect | None) -> Switches:
        """The switch the chosen row of `defects.DEFECTS` turns on (none without a row)."""
        return switches_of(
            cls, defect, {BundleFlaw: "bundle", PrintFlaw: "printed", FlowFlaw: "flow", ShareFlaw: "share"}
        )
