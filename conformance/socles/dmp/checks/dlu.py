"""Document de liaison d'urgence (DLU, EHPAD) header and section rules (DMP-C09).

Source: TestContenuCDA Entete_DLU-DLU.sch and CI-SIS_DLU-EHPAD-DLU_2022.01.sch (specs/dmp.md
§3.4). Applies only to the DLU volet itself (code 74207-2 with templateId 1.2.250.1.213.1.1.1.22):
FLUDT/FLUDR and the IPS-FR DLU share the LOINC code but not these rules.
"""

from __future__ import annotations

from collections.abc import Iterable

from conformance.model import CheckContext, Finding
from conformance.registry import check

from ..messages import M
from .cda_doc import CdaDoc
from .collector import Collector
from .xpaths import first, where

R = "DMP-C09"
DLU_CODE = "74207-2"
DLU_TEMPLATE = "1.2.250.1.213.1.1.1.22"
SERVICE_EVENT_CODE = "34117-2"
SECTIONS = {
    "1.3.6.1.4.1.19376.1.5.3.1.1.13.2.10": "Dispositions : établissement de santé de préférence",
    "1.3.6.1.4.1.19376.1.5.3.1.3.19": "Traitements",
    "1.3.6.1.4.1.19376.1.5.3.1.3.35": "Directives anticipées",
    "1.3.6.1.4.1.19376.1.7.3.1.1.13.7": "Résultats d'évènements",
    "1.3.6.1.4.1.19376.1.5.3.1.3.28": "BMR / résultats",
    "1.2.250.1.213.1.1.2.37": "Documents ajoutés",
}


def is_dlu(doc: CdaDoc) -> bool:
    code = doc.at("cda:code")
    return (
        code is not None
        and code.get("code") == DLU_CODE
        and any(t.get("root") == DLU_TEMPLATE for t in doc.all("cda:templateId"))
    )


@check("cda", "dmp", R)
def check_dlu(doc: CdaDoc, ctx: CheckContext) -> Iterable[Finding]:
    out = Collector()
    if is_dlu(doc):
        _dlu(doc, out)
    return out.finish()


def _dlu(doc: CdaDoc, out: Collector) -> None:
    out.cover(R, M.text("dlu.ok"), doc.base)
    pcp = doc.all("cda:participant[@typeCode='INF'][cda:functionCode/@code='PCP']")
    if not pcp:
        out.fail(R, M.text("dlu.no-pcp"), where(doc.root, "cda:participant[@typeCode='INF']"))
    event = doc.at("cda:documentationOf/cda:serviceEvent")
    code = first(event, "cda:code") if event is not None else None
    if code is None or code.get("code") != SERVICE_EVENT_CODE:
        out.fail(
            R,
            M.text("dlu.event-code", code=SERVICE_EVENT_CODE),
            where(code) if code is not None else where(doc.root, "cda:documentationOf/cda:serviceEvent/cda:code"),
        )
    low = first(event, "cda:effectiveTime/cda:low") if event is not None else None
    if low is None or low.get("nullFlavor") is not None or not low.get("value"):
        out.fail(
            R,
            M.text("dlu.event-low"),
            where(low)
            if low is not None
            else where(doc.root, "cda:documentationOf/cda:serviceEvent/cda:effectiveTime/cda:low"),
        )
    birth = doc.at("cda:recordTarget/cda:patientRole/cda:patient/cda:birthTime")
    if birth is None or not birth.get("value"):
        out.fail(
            R,
            M.text("dlu.birth-time"),
            where(doc.root, "cda:recordTarget/cda:patientRole/cda:patient/cda:birthTime"),
        )
    sections = doc.all("cda:component/cda:structuredBody/cda:component/cda:section")
    counts = {oid: 0 for oid in SECTIONS}
    for section in sections:
        for t in section.iterchildren("{urn:hl7-org:v3}templateId"):
            if t.get("root") in counts:
                counts[t.get("root", "")] += 1
    body = doc.at("cda:component/cda:structuredBody")
    for oid, label in SECTIONS.items():
        if counts[oid] != 1:
            out.fail(
                R,
                M.text("dlu.section", label=label, oid=oid, count=counts[oid]),
                where(body, f"cda:component/cda:section[cda:templateId/@root='{oid}']")
                if body is not None
                else where(doc.root, "cda:component/cda:structuredBody"),
            )
