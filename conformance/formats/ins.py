"""INS (Identifiant National de Santé) rules shared by every socle.

Key rule: key = 97 - (NIR13 mod 97), where Corsican departments 2A/2B count as 19/18 in the
number. OIDs (ANS Référentiel INS; the CI-SIS style sheet CDA-FO.xsl of TestContenuCDA):
INS-NIR 1.2.250.1.213.1.4.8, INS-NIA .9, test INS-NIR .10, test INS-NIA .11.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

OID_INS_NIR = "1.2.250.1.213.1.4.8"
OID_INS_NIA = "1.2.250.1.213.1.4.9"
OID_INS_NIR_TEST = "1.2.250.1.213.1.4.10"
OID_INS_NIA_TEST = "1.2.250.1.213.1.4.11"
INS_OIDS = (OID_INS_NIR, OID_INS_NIA, OID_INS_NIR_TEST, OID_INS_NIA_TEST)
PRODUCTION_OIDS = (OID_INS_NIR, OID_INS_NIA)
TEST_OIDS = (OID_INS_NIR_TEST, OID_INS_NIA_TEST)

_NIR15 = re.compile(r"^[12378][0-9]{4}(?:[0-9]{2}|2A|2B)[0-9]{6}[0-9]{2}$")
_CX = re.compile(r"^(?P<id>[^^]*)\^\^\^(?P<aa>[^^]*)(?:\^(?P<type>[^^]*))?$")


def nir_key(nir13: str) -> int:
    """Key of a 13-character NIR (Corsica: 2A -> 19, 2B -> 18 in the department digits)."""
    digits = nir13
    if nir13[5:7].upper() == "2B":
        digits = nir13[:5] + "18" + nir13[7:]
    elif nir13[5:7].upper() == "2A":
        digits = nir13[:5] + "19" + nir13[7:]
    return 97 - (int(digits) % 97)


def nir_problem(ins: str) -> str | None:
    """None when `ins` is a 15-character NIR/NIA with a correct key, else the reason."""
    if not isinstance(ins, str) or len(ins) != 15:
        return f"INS {ins!r} is not 15 characters"
    if not _NIR15.match(ins.upper()):
        return f"INS {ins!r} does not have the NIR layout (sex, year, month, department, commune, order, key)"
    expected = nir_key(ins[:13])
    if int(ins[13:]) != expected:
        return f"INS {ins!r} has key {ins[13:]}, expected {expected:02d}"
    return None


def with_key(nir13: str) -> str:
    return f"{nir13}{nir_key(nir13):02d}"


@dataclass(frozen=True)
class CxId:
    id: str
    oid: str
    type_code: str


def parse_cx(value: str) -> CxId | None:
    """`<id>^^^&<oid>&ISO^NH` -> CxId, or None when the value is not in that CX form."""
    m = _CX.match(value.strip())
    if not m:
        return None
    aa = m.group("aa").split("&")
    if len(aa) != 3 or aa[2] != "ISO" or not aa[1]:
        return None
    return CxId(m.group("id"), aa[1], m.group("type") or "")


def is_ins_oid(oid: str) -> bool:
    return oid in INS_OIDS


_SEXES = {"1": "M", "2": "F"}  # sex digit of a NIR/NIA; 3/4 and 7/8 (provisional numbers) carry no sex to compare
_SEX_WORDS = {"M": "M", "MALE": "M", "F": "F", "FEMALE": "F"}  # CDA/PID-8 codes and FHIR gender


@dataclass(frozen=True)
class TraitConflict:
    """One trait the matricule contradicts: `trait` is "sex", "year" or "month"; `found` is what the
    traits say (the sex as written, YYYY, MM), `encoded` what the matricule says (its sex digit, YY, MM).
    Plain data, so each socle words it in French and English from its own message table."""

    trait: str
    found: str
    encoded: str


def traits_disagreement(ins: str, birth_date: str | None, sex: str | None) -> list[TraitConflict]:
    """What the traits contradict in the matricule (sex digit, birth year and month).

    A NIR/NIA begins with the sex digit (1 male, 2 female), then the last two digits of the birth
    year and the birth month (INS specifications of the shared specs, §5 of the DMP notes; the NIA
    is built like the NIR). Birth months 20 and
    30-42 or above 50 stand for an unknown or fictitious month and are not compared; neither are a
    sex digit other than 1/2 nor traits that are absent or indeterminate (UN, U, unknown, other).
    `birth_date` is YYYY[MM[DD...]] digits (CDA TS, PID-7) or an ISO date (FHIR). One function for
    every socle that compares them (the CDA and XDS metadata of the DMP, a FHIR Patient), so a
    matricule is read the same way everywhere.
    """
    if nir_problem(ins) is not None:
        return []  # the matricule itself is wrong: that is the key rule's finding
    out: list[TraitConflict] = []
    coded = _SEX_WORDS.get((sex or "").strip().upper())
    if ins[0] in _SEXES and coded and coded != _SEXES[ins[0]]:
        out.append(TraitConflict("sex", str(sex), ins[0]))
    digits = "".join(ch for ch in (birth_date or "") if ch.isdigit())
    if len(digits) >= 4 and digits[2:4] != ins[1:3]:
        out.append(TraitConflict("year", digits[:4], ins[1:3]))
    month = ins[3:5]
    if len(digits) >= 6 and "01" <= month <= "12" and digits[4:6] != month:
        out.append(TraitConflict("month", digits[4:6], month))
    return out
