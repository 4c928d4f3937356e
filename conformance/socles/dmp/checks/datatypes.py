"""HL7 data types the DMP rules read: CDA TS, XDS DTM, OIDs, and the HL7v2 XCN/XON/CX slots.

Small parsers on purpose: each returns either the parts or the reason the value is malformed,
so a rule can say precisely what is wrong with a slot (specs/dmp.md §2.4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

OID_RE = re.compile(r"^[0-2](\.(0|[1-9][0-9]*))+$")
UUID_RE = re.compile(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")
RUID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9\-]*$")
_TS_RE = re.compile(r"^(\d{4,14})(\.\d{1,4})?([+-]\d{4})?$")
_DTM_RE = re.compile(r"^\d{4,14}$")
# ts pattern of the CDA R2 datatypes schema: what CDA_extended.xsd accepts for times other than
# the document's effectiveTime (which feeds the XDS creationTime and is read strictly)
XSD_TS = re.compile(r"^([0-9]{1,8}|([0-9]{9,14}|[0-9]{14,14}\.[0-9]+)([+\-][0-9]{1,4})?)$")
_LENGTHS = (4, 6, 8, 10, 12, 14)

PS_ID_OID = "1.2.250.1.71.4.2.1"  # national identifiers of professionals and systems
STRUCT_ID_OID = "1.2.250.1.71.4.2.2"  # national identifiers of structures (Struct_IdNat)


def is_oid(value: str) -> bool:
    return bool(OID_RE.match(value))


def is_uid(value: str) -> bool:
    """CDA II root: an OID, a UUID or a ruid."""
    return bool(OID_RE.match(value) or UUID_RE.match(value) or RUID_RE.match(value))


@dataclass(frozen=True)
class Ts:
    digits: str  # YYYY[MM[DD[HH[MM[SS]]]]]
    offset: str | None  # +HHMM / -HHMM

    @property
    def has_time(self) -> bool:
        return len(self.digits) >= 10

    def utc_digits(self) -> str | None:
        """The same instant in UTC at the same precision; None when it cannot be told."""
        if not self.has_time:
            return self.digits
        if self.offset is None:
            return None
        padded = self.digits.ljust(14, "0")
        local = datetime.strptime(padded, "%Y%m%d%H%M%S")
        sign = 1 if self.offset[0] == "+" else -1
        delta = timedelta(hours=int(self.offset[1:3]), minutes=int(self.offset[3:5]))
        utc = (local - sign * delta).replace(tzinfo=UTC)
        return utc.strftime("%Y%m%d%H%M%S")[: len(self.digits)]

    def earliest_utc(self) -> datetime:
        """The earliest instant the value can denote: the start of its period, in UTC; without an
        offset, as if written in the easternmost zone (UTC+14), so that no reading is earlier."""
        start = datetime.strptime((self.digits + "0101000000"[len(self.digits) - 4 :])[:14], "%Y%m%d%H%M%S")
        if self.offset is None:
            return (start - timedelta(hours=14)).replace(tzinfo=UTC)
        sign = 1 if self.offset[0] == "+" else -1
        delta = timedelta(hours=int(self.offset[1:3]), minutes=int(self.offset[3:5]))
        return (start - sign * delta).replace(tzinfo=UTC)


def dtm_instant(value: str) -> datetime | None:
    """An XDS DTM (UTC digits) as the start of its period, or None when it is not one."""
    if dtm_problem(value, 4) is not None:
        return None
    return datetime.strptime((value + "0101000000"[len(value) - 4 :])[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def _calendar_problem(digits: str) -> str | None:
    if len(digits) not in _LENGTHS:
        return f"{len(digits)} digits (expected 4, 6, 8, 10, 12 or 14)"
    padded = digits + "0101000000"[len(digits) - 4 :] if len(digits) < 14 else digits
    try:
        datetime.strptime(padded[:14], "%Y%m%d%H%M%S")
    except ValueError:
        return "not a valid calendar date and time"
    return None


def parse_ts(value: str) -> tuple[Ts | None, str | None]:
    """CDA TS `YYYYMMDDhhmmss[.f][+-ZZzz]` -> (Ts, None) or (None, reason)."""
    m = _TS_RE.match(value or "")
    if not m:
        return None, f"{value!r} is not an HL7 TS (YYYYMMDDhhmmss[+-ZZzz])"
    digits, _, offset = m.groups()
    problem = _calendar_problem(digits)
    if problem:
        return None, f"{value!r}: {problem}"
    if offset is not None and (int(offset[1:3]) > 14 or int(offset[3:5]) > 59):
        return None, f"{value!r}: time-zone offset {offset} out of range"
    return Ts(digits, offset), None


def dtm_problem(value: str, min_digits: int = 8) -> str | None:
    """XDS DTM (UTC, no offset): None when valid with at least `min_digits` digits."""
    if not _DTM_RE.match(value or ""):
        return f"{value!r} is not an XDS DTM (YYYYMMDD[hh[mm[ss]]], UTC, digits only)"
    if len(value) < min_digits:
        return f"{value!r} is less precise than {min_digits} digits"
    problem = _calendar_problem(value)
    return f"{value!r}: {problem}" if problem else None


def same_instant(dtm: str, ts: Ts) -> bool | None:
    """Compare an XDS DTM with a CDA TS at the precision they share; None when undecidable."""
    utc = ts.utc_digits()
    if utc is None:
        return None
    n = min(len(dtm), len(utc))
    return dtm[:n] == utc[:n]


def _assigning_authority(component: str) -> str | None:
    parts = component.split("&")
    if len(parts) == 3 and parts[0] == "" and parts[2] == "ISO" and parts[1]:
        return parts[1]
    return None


@dataclass(frozen=True)
class Xcn:
    id: str
    family: str
    given: str
    authority: str | None
    name_type: str
    id_type: str


def parse_xcn(value: str) -> Xcn:
    c = value.split("^") + [""] * 13
    return Xcn(c[0], c[1], c[2], _assigning_authority(c[8]), c[9], c[12])


def xcn_problem(value: str) -> str | None:
    """DMP rule for authorPerson / legalAuthenticator (specs/dmp.md §2.4, DMP-X10)."""
    x = parse_xcn(value)
    if not x.id:
        return f"XCN {value!r} has no identifier (XCN.1)"
    if x.authority != PS_ID_OID:
        return f"XCN {value!r}: assigning authority (XCN.9) must be &{PS_ID_OID}&ISO"
    if (x.id_type, x.name_type) not in (("IDNPS", "D"), ("RI", "U")):
        return (
            f"XCN {value!r}: identifier type {x.id_type or '(empty)'} with name type "
            f"{x.name_type or '(empty)'}; expected IDNPS with D (person) or RI with U (system)"
        )
    return None


@dataclass(frozen=True)
class Xon:
    name: str
    authority: str | None
    id_type: str
    id: str


def parse_xon(value: str) -> Xon:
    c = value.split("^") + [""] * 10
    return Xon(c[0], _assigning_authority(c[5]), c[6], c[9])


def xon_problem(value: str) -> str | None:
    """DMP rule for authorInstitution (specs/dmp.md §2.4, DMP-X10)."""
    x = parse_xon(value)
    if not x.name:
        return f"XON {value!r} has no organization name (XON.1)"
    if x.authority != STRUCT_ID_OID or x.id_type != "IDNST":
        return f"XON {value!r}: expected assigning authority &{STRUCT_ID_OID}&ISO and type IDNST"
    if not x.id or x.id[0] not in "01234":
        return f"XON {value!r}: Struct_IdNat (XON.10) {x.id!r} must start with 0, 1, 2, 3 or 4"
    return None


def split_coded(value: str) -> tuple[str, str, str] | None:
    """`code^display^OID` (authorSpecialty, authorRole) -> parts, or None."""
    parts = value.split("^")
    if len(parts) != 3 or not parts[0] or not parts[2]:
        return None
    return parts[0], parts[1], parts[2]
