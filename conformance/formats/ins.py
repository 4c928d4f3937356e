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
