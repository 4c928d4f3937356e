"""Which value set ("jeu de valeurs") each DMP rule reads, and a membership test that never
passes silently.

The DMP has its own JDVs (J57 classCode, J58 confidentiality, J59 contentType, J60 formatCode,
J61 facility type); where one is not shipped, the CI-SIS set it restricts is used instead
(specs/dmp.md §2.3: "Les valeurs possibles peuvent être restreintes ... En l'absence de
spécifications complémentaires, le jeu de valeurs JDV_Jxx-...-CISIS peut être utilisé").
Names are the file stems under profiles/valuesets/ or the `--terminology` folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from conformance.formats.terminology import ValueSet, default_terminology

from ..messages import M
from .collector import Collector

TYPE_CODE = ("JDV_J07_XdsTypeCode_CISIS",)
TYPE_CODE_DMP = ("JDV_J66_TypeCode_DMP",)
CLASS_CODE = ("JDV_J57_ClassCode_DMP", "JDV_J06_XdsClassCode_CISIS")
FORMAT_CODE = ("JDV_J60_FormatCode_DMP", "JDV_J10_XdsFormatCode_CISIS")
CONFIDENTIALITY = ("JDV_J58_ConfidentialityCode_DMP", "JDV_J08_XdsConfidentialityCode_CISIS")
FACILITY_XDS = ("JDV_J61_HealthcareFacilityTypeCode_DMP", "JDV_J02_XdsHealthcareFacilityTypeCode_CISIS")
FACILITY_CDA = ("JDV_J02_XdsHealthcareFacilityTypeCode_CISIS",)
PRACTICE_SETTING = ("JDV_J04_XdsPracticeSettingCode_CISIS",)
CONTENT_TYPE = ("JDV_J59_ContentTypeCode_DMP",)
AUTHOR_SPECIALTY = ("JDV_J01_XdsAuthorSpecialty_CISIS",)
GENDER = ("JDV_J143_AdministrativeGender_CISIS",)


class Membership(Enum):
    IN = "in"
    OUT = "out"
    MISSING = "missing"  # no value set available: the rule must warn, never pass


@dataclass(frozen=True)
class Lookup:
    membership: Membership
    value_set: ValueSet | None
    wanted: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.value_set.name if self.value_set else " / ".join(self.wanted)


def find(names: tuple[str, ...]) -> ValueSet | None:
    term = default_terminology()
    for name in names:
        vs = term.get(name)
        if vs is not None:
            return vs
    return None


def lookup(names: tuple[str, ...], code: str, system: str | None) -> Lookup:
    vs = find(names)
    if vs is None:
        return Lookup(Membership.MISSING, None, names)
    return Lookup(Membership.IN if vs.contains(code, system) else Membership.OUT, vs, names)


def judge_code(
    out: Collector,
    req: str,
    names: tuple[str, ...],
    code: str | None,
    system: str | None,
    what: str,
    location: str,
    key: str = "code.not-in",
) -> Lookup:
    """`code` of `system` must be in the value set: a failure when it is not (message `key`, which
    reads `what`, `code`, `system`, `valueset`), a warning naming the set when it is not available."""
    look = lookup(names, code or "", system)
    if look.membership is Membership.OUT:
        out.fail(req, M.text(key, what=what, code=code, system=system, valueset=look.name), location)
    elif look.membership is Membership.MISSING:
        out.warn(req, M.text("code.valueset-missing", valueset=look.name, what=what), location)
    return look
