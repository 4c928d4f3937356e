"""The seeded e-prescription defects of the reference DUI: `--dui demo:<name>` turns on exactly one.

Each row is one realistic mistake and the one place it is named: name, the requirement it must fail
(and nothing else: tests/test_sensitivity.py), what it does, and the switch it turns on in the
e-prescription part (see `switches`). Sharing defects are cross-socle: they show only when the run
also selects the socle they `need`.
"""

from __future__ import annotations

from conformance.socle import Defect, defect_row
from conformance.socles.eprescription.reference.switches import BundleFlaw, FlowFlaw, PrintFlaw, ShareFlaw

_ep = defect_row("eprescription")


DEFECTS: tuple[Defect, ...] = (
    # the ordonnance Bundle (bundle.py)
    _ep(
        "no-line-profile",
        "EP-01",
        "prescription lines do not declare fr-medicationrequest in meta.profile",
        BundleFlaw.LINE_WITHOUT_PROFILE,
    ),
    _ep(
        "authored-no-timezone",
        "EP-02",
        "authoredOn is a local time without its timezone offset (naive datetime)",
        BundleFlaw.AUTHORED_WITHOUT_TIMEZONE,
    ),
    _ep(
        "no-requester",
        "EP-03",
        "lines after the first of an ordonnance have no requester",
        BundleFlaw.LATER_LINES_WITHOUT_REQUESTER,
    ),
    _ep(
        "rpps-without-8",
        "EP-04",
        "the prescriber's IDNPS is the bare RPPS, without the '8' prefix",
        BundleFlaw.RPPS_WITHOUT_PREFIX,
    ),
    _ep(
        "subject-not-patient",
        "EP-05",
        "subject points to the prescriber instead of the Patient",
        BundleFlaw.SUBJECT_IS_PRESCRIBER,
    ),
    _ep(
        "no-dosage",
        "EP-06",
        "lines after the first of an ordonnance carry no dosageInstruction",
        BundleFlaw.LATER_LINES_WITHOUT_DOSAGE,
    ),
    _ep(
        "patient-instruction",
        "EP-07",
        "the condition of use is written in dosageInstruction.patientInstruction",
        BundleFlaw.CONDITION_AS_PATIENT_INSTRUCTION,
    ),
    _ep(
        "cip-for-inpatient",
        "EP-08",
        "an inpatient line (UCD/SMS/substance only) is coded with a CIP13 presentation",
        BundleFlaw.INPATIENT_LINE_AS_CIP,
    ),
    _ep(
        "medication-two-codes",
        "EP-10",
        "the referenced Medication carries two allowed codes (nonCompoundCode 1..1)",
        BundleFlaw.MEDICATION_TWO_CODES,
    ),
    _ep(
        "coded-with-ingredient-ref",
        "EP-11",
        "a coded Medication also lists an ingredient reference (frmed-med-1)",
        BundleFlaw.CODED_WITH_INGREDIENT,
    ),
    _ep("dose-comparator", "EP-13", "dose quantities carry a comparator", BundleFlaw.DOSE_COMPARATOR),
    _ep(
        "unit-foreign-system",
        "EP-13",
        "dose units are coded in a local system, neither UCUM nor EDQM",
        BundleFlaw.UNIT_LOCAL_SYSTEM,
    ),
    _ep("unit-annotation", "EP-14", "dose units are UCUM annotations such as {comprimé}", BundleFlaw.UNIT_ANNOTATION),
    _ep(
        "duration-not-ucum",
        "EP-16",
        "boundsDuration uses 'j' instead of the UCUM day 'd'",
        BundleFlaw.DURATION_NOT_UCUM,
    ),
    _ep("split-group", "EP-17", "each line of one ordonnance gets its own groupIdentifier", BundleFlaw.GROUP_PER_LINE),
    _ep(
        "linked-line-not-option",
        "EP-18",
        "a RequestGroup links the lines to be taken together but they keep intent = order (the IG: option)",
        BundleFlaw.LINKED_LINE_NOT_OPTION,
    ),
    _ep("ins-wrong-key", "ID-01", "the patient's INS is sent with a wrong NIR key", BundleFlaw.INS_WRONG_KEY),
    _ep(
        "ins-no-birthplace",
        "ID-02",
        "the INS Patient has no birthPlace (INSEE code)",
        BundleFlaw.INS_WITHOUT_BIRTHPLACE,
    ),
    _ep(
        "finess-without-1",
        "ID-03",
        "the structure's idNatSt is the bare FINESS, without the '1' prefix",
        BundleFlaw.FINESS_WITHOUT_PREFIX,
    ),
    _ep(
        "legacy-canonical",
        "GEN-01",
        "lines also declare the superseded hl7.fr medication canonical",
        BundleFlaw.LEGACY_CANONICAL,
    ),
    _ep(
        "patch-no-duration",
        "EP-20",
        "a patch line does not say how long each patch stays on (repeat.duration)",
        BundleFlaw.PATCH_WITHOUT_DURATION,
    ),
    _ep(
        "vehicle-flag-not-boolean",
        "EP-12",
        "a magistral preparation's excipient flag fr-is-vehicle is a string",
        BundleFlaw.VEHICLE_FLAG_AS_STRING,
    ),
    # issue 12: classes of defects no rule caught
    _ep(
        "authored-tomorrow",
        "EP-29",
        "authoredOn is dated the next day (a clock or a pre-dated ordonnance)",
        BundleFlaw.AUTHORED_IN_THE_FUTURE,
    ),
    _ep(
        "unit-not-ucum",
        "EP-32",
        "UCUM dose units are coded per intake ('mg/prise'), which UCUM does not define",
        BundleFlaw.UNIT_NOT_UCUM,
    ),
    _ep(
        "lines-for-two-patients",
        "EP-33",
        "the second line of the ordonnance is for another resident (a stale patient context)",
        BundleFlaw.LINES_FOR_TWO_PATIENTS,
    ),
    _ep(
        "ins-other-birth-year",
        "ID-04",
        "the Patient's birthDate is one year off the year in its INS matricule",
        BundleFlaw.INS_OTHER_BIRTH_YEAR,
    ),
    # the printed ordonnance (pdf.py)
    _ep(
        "qr-other-number",
        "EP-25",
        "the QR code holds another prescription number than the one assigned",
        PrintFlaw.QR_OTHER_NUMBER,
    ),
    _ep(
        "number-not-printed",
        "EP-25",
        "the number is only in the QR code, not printed in clear",
        PrintFlaw.NUMBER_ONLY_IN_QR,
    ),
    _ep("no-qr-code", "EP-25", "the ordonnance is printed without its QR code", PrintFlaw.NO_QR_CODE),
    # the exchanges with the service (client.py)
    _ep(
        "refusal-swallowed",
        "EP-26",
        "a prescription the service refused is reported as registered",
        FlowFlaw.REPORTS_REFUSAL_AS_REGISTERED,
    ),
    _ep(
        "cancel-not-sent",
        "EP-27",
        "cancelling only changes the DUI's own record, the service is not told",
        FlowFlaw.CANCELS_LOCALLY,
    ),
    # sharing the ordonnance (share.py): cross-socle, EP-23 (a PRECONISATION: a warning, the run passes)
    _ep(
        "ordonnance-dmp-wrong-type",
        "EP-23",
        "the ordonnance is shared (DMP feed, MSSanté) typed 57832-8 'Prescription de soins', not 57833-6",
        ShareFlaw.TYPED_AS_CARE_PRESCRIPTION,
        needs=("dmp",),
    ),
    _ep(
        "ordonnance-to-unqualified-patient",
        "EP-23",
        "the ordonnance is sent to the MSSanté address of a patient whose INS is not qualified",
        ShareFlaw.SENDS_TO_UNQUALIFIED,
        needs=("mssante",),
    ),
)
