"""The few CDA header facts MSSanté rules compare against: type, dates, usager identity.

Read once per document through the hardened parser; a refused document keeps its reason so
that each rule can report it at its own place. Names follow the CI-SIS convention: birth name
`family[@qualifier='BR']`, first given name `given[@qualifier='BR']` (older documents: the first
word of the first `given`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

from lxml import etree

from conformance.formats.xmlsafe import XmlRefused, parse_xml
from conformance.socles.mssante.usager import first_ins, is_qualified

from .cache import cached
from .locate import HL7

NS = {"h": HL7}
RT_ID = "/ClinicalDocument/recordTarget/patientRole/id"
_TS = re.compile(r"^(\d{4,14})(?:\.\d+)?([+-]\d{4})?$")


_COMPILED: dict[str, etree.XPath] = {}


def _first(root: etree._Element, path: str) -> etree._Element | None:
    xp = _COMPILED.get(path)
    if xp is None:
        xp = _COMPILED[path] = etree.XPath(path, namespaces=NS)
    found = xp(root)
    return found[0] if isinstance(found, list) and found else None


def _text(el: etree._Element | None) -> str | None:
    if el is None or el.text is None:
        return None
    value = " ".join(el.text.split())
    return value or None


@dataclass
class CdaView:
    refused: str | None = None
    is_cda: bool = False
    code: str | None = None
    code_system: str | None = None
    display_name: str | None = None
    confidentiality: tuple[str, str] | None = None
    effective_time: str | None = None
    service_start: str | None = None
    record_target_ids: list[tuple[str, str]] = field(default_factory=list)  # (root, extension)
    birth_name: str | None = None
    first_given: str | None = None
    birth_time: str | None = None
    sex: str | None = None

    @property
    def ins(self) -> tuple[str, str] | None:
        """(OID, matricule) of the first recordTarget id under an INS OID."""
        return first_ins(self.record_target_ids)

    @property
    def usager_id(self) -> tuple[str, str] | None:
        """The INS when present, else the first recordTarget id: what "one usager" compares."""
        return self.ins or (self.record_target_ids[0] if self.record_target_ids else None)

    @property
    def qualified_ins(self) -> bool:
        """INS matricule + INS OID + the four traits (birth name, first given name, birth date, sex)."""
        return is_qualified(self.ins, self.birth_name, self.first_given, self.birth_time, self.sex)

    def birth_date_fr(self) -> str | None:
        """JJ/MM/AAAA as in the subject line."""
        if not self.birth_time or len(self.birth_time) < 8 or not self.birth_time[:8].isdigit():
            return None
        b = self.birth_time
        return f"{b[6:8]}/{b[4:6]}/{b[0:4]}"


def parse_cda(data: bytes) -> CdaView:
    try:
        root = parse_xml(data)
    except XmlRefused as exc:
        return CdaView(refused=str(exc))
    if etree.QName(root).localname != "ClinicalDocument" or etree.QName(root).namespace != HL7:
        return CdaView(refused=f"root element is {etree.QName(root).text}, not {{{HL7}}}ClinicalDocument")
    view = CdaView(is_cda=True)
    code = _first(root, "h:code")
    if code is not None:
        view.code, view.code_system, view.display_name = (
            code.get("code"),
            code.get("codeSystem"),
            code.get("displayName"),
        )
    conf = _first(root, "h:confidentialityCode")
    if conf is not None and conf.get("code"):
        view.confidentiality = (conf.get("code", ""), conf.get("codeSystem", ""))
    eff = _first(root, "h:effectiveTime")
    view.effective_time = eff.get("value") if eff is not None else None
    low = _first(root, "h:documentationOf/h:serviceEvent/h:effectiveTime/h:low")
    view.service_start = low.get("value") if low is not None else None
    for el in root.iterfind("h:recordTarget/h:patientRole/h:id", NS):
        view.record_target_ids.append((el.get("root", ""), el.get("extension", "")))
    name = _first(root, "h:recordTarget/h:patientRole/h:patient/h:name")
    if name is not None:
        view.birth_name = (
            _text(_first(name, "h:family[@qualifier='BR']"))
            or _text(_first(name, "h:family[not(@qualifier)]"))
            or _text(_first(name, "h:family"))
        )
        first = _text(_first(name, "h:given[@qualifier='BR']"))
        if first is None:
            given = _text(_first(name, "h:given[not(@qualifier)]")) or _text(_first(name, "h:given"))
            first = given.split(" ")[0] if given else None
        view.first_given = first
    birth = _first(root, "h:recordTarget/h:patientRole/h:patient/h:birthTime")
    view.birth_time = birth.get("value") if birth is not None else None
    sex = _first(root, "h:recordTarget/h:patientRole/h:patient/h:administrativeGenderCode")
    view.sex = sex.get("code") if sex is not None else None
    return view


def cda_view(data: bytes, digest: str | None = None) -> CdaView:
    """`parse_cda`, once per document (keyed by its SHA-256)."""
    return cached("cda", digest or hashlib.sha256(data).hexdigest(), lambda: parse_cda(data))


def utc_digits(ts: str) -> str | None:
    """An HL7 TS ('20210401134745+0100') as UTC digits at its own precision; None when malformed.

    A value without offset cannot be moved to UTC and is returned as written.
    """
    m = _TS.match(ts.strip())
    if not m:
        return None
    digits, offset = m.group(1), m.group(2)
    if len(digits) % 2:
        return None
    if not offset or len(digits) < 10:
        return digits
    padded = digits + "0" * (14 - len(digits))
    try:
        local = datetime.strptime(padded, "%Y%m%d%H%M%S")
    except ValueError:
        return None
    sign = 1 if offset[0] == "+" else -1
    delta = timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5]))
    utc = (local.replace(tzinfo=timezone(sign * delta))).astimezone(UTC)
    return utc.strftime("%Y%m%d%H%M%S")[: len(digits)]
