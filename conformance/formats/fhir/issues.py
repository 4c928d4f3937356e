"""What the FHIR engine says about a resource: issues with a FHIRPath, independent of any socle.

The engine knows profiles, not requirements: a socle maps issues to its own requirement ids. Keeping
the two apart lets the same engine serve e-prescription today and TDDUI or SDO later.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFORMATION = "information"


@dataclass(frozen=True)
class Issue:
    """One problem (or note) found at one FHIRPath.

    `code` is a small vocabulary (parse, too-large, too-deep, unknown-type, fhir-version, structure,
    cardinality, type, fixed, pattern, slicing, binding, invariant, invariant-unevaluable,
    reference, profile-unavailable) so that callers can route issues without parsing messages.
    """

    severity: Severity
    code: str
    path: str
    message_en: str
    message_fr: str
    profile: str = ""  # canonical|version of the profile stating the rule, "" for base FHIR
    element: str = ""  # element id in that profile, e.g. MedicationRequest.authoredOn
    key: str = ""  # invariant key (fr-med-smpl-quant-1) or harness rule id

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def where(self) -> str:
        """Profile and element, for messages: `fr-medicationrequest|1.1.0-ballot (MedicationRequest.x)`."""
        if not self.profile:
            return "base FHIR R4"
        return f"{self.profile} ({self.element})" if self.element else self.profile


def error(code: str, path: str, en: str, fr: str, **kw: str) -> Issue:
    return Issue(Severity.ERROR, code, path, en, fr, **kw)


def warning(code: str, path: str, en: str, fr: str, **kw: str) -> Issue:
    return Issue(Severity.WARNING, code, path, en, fr, **kw)


def info(code: str, path: str, en: str, fr: str, **kw: str) -> Issue:
    return Issue(Severity.INFORMATION, code, path, en, fr, **kw)


def empty_value(path: str) -> Issue:
    """FHIR ele-1: an element has a value or children (no empty object, array or string)."""
    return error(
        "structure",
        path,
        "empty value (FHIR ele-1: an element has a value or children)",
        "valeur vide (règle FHIR ele-1 : un élément a une valeur ou des enfants)",
        key="ele-1",
    )
