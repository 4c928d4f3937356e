"""Lot-level rules of a DMP feed: associations, RPLC against the CDA's relatedDocument included
(DMP-X12), and the signature entry (DMP-S01).

Sources: PDSM4DMP TD2/TD2.1, DevBox TD2.1 (lot signé XAdES), the C# sample's signature entry,
ANS mapping.md (specs/dmp.md §1.4, §2.3).
"""

from __future__ import annotations

from collections.abc import Iterable

from conformance.model import CheckContext, Finding
from conformance.registry import check

from ..messages import M
from .collector import Collector
from .xds_model import DE_SCHEMES, HAS_MEMBER, RPLC, SIGNS, XdsMetadata, is_signature
from .xpaths import where

SIG_TYPE = ("E1762", "ASTM")
SIG_FORMATS = ("http://www.w3.org/2000/09/xmldsig#", "urn:ihe:iti:dsg:detached:2014")


@check("xds-metadata", "dmp", "DMP-X12")
def check_associations(md: XdsMetadata, ctx: CheckContext) -> Iterable[Finding]:
    out = Collector()
    _associations(md, out)
    _replacements(md, out)
    return out.finish()


@check("xds-metadata", "dmp", "DMP-S01")
def check_signature_entry(md: XdsMetadata, ctx: CheckContext) -> Iterable[Finding]:
    out = Collector()
    _signature(md, out)
    return out.finish()


def _associations(md: XdsMetadata, out: Collector) -> None:
    if not md.submission_sets:
        return
    ss = md.submission_sets[0]
    out.cover("DMP-X12", M.text("lot.has-member-ok"), where(md.request))
    for entry in md.entries:
        links = [a for a in md.associations if a.type == HAS_MEMBER and a.source == ss.id and a.target == entry.id]
        if len(links) != 1:
            out.fail("DMP-X12", M.text("lot.has-member-count", count=len(links), entry=entry.id), entry.location)
        elif links[0].slots.get("SubmissionSetStatus") != ["Original"]:
            out.fail("DMP-X12", M.text("lot.has-member-status"), where(links[0].el))
    ids = {e.id for e in md.entries}
    for assoc in md.associations:
        if assoc.type != RPLC:
            continue
        if assoc.source not in ids:
            out.fail("DMP-X12", M.text("lot.rplc-source", source=assoc.source), where(assoc.el))
        if not assoc.target.startswith("urn:uuid:") or assoc.target in ids:
            out.fail("DMP-X12", M.text("lot.rplc-target", target=assoc.target), where(assoc.el))


def _replacements(md: XdsMetadata, out: Collector) -> None:
    """An RPLC association where, and only where, the CDA says it replaces a document."""
    for entry, doc in md.described():
        related = doc.at("cda:relatedDocument[@typeCode='RPLC']/cda:parentDocument/cda:id")
        rplc = [a for a in md.associations if a.type == RPLC and a.source == entry.id]
        if related is not None and not rplc:
            out.fail("DMP-X12", M.text("lot.rplc-missing"), entry.location)
        elif rplc and related is None:
            out.fail("DMP-X12", M.text("lot.rplc-unexpected"), entry.location)


def _signature(md: XdsMetadata, out: Collector) -> None:
    loc = where(md.request)
    sigs = [e for e in md.entries if is_signature(e)]
    out.cover("DMP-S01", M.text("lot.signature-ok"), loc)
    if len(sigs) != 1:
        out.fail("DMP-S01", M.text("lot.signature-count", count=len(sigs)), loc)
        if not sigs:
            return
    sig = sigs[0]
    for c in sig.coded(DE_SCHEMES["classCode"]):
        if c.scheme != "URN":
            out.fail("DMP-S01", M.text("lot.signature-class-scheme", scheme=c.scheme), c.location)
    types = [(c.code, c.scheme) for c in sig.coded(DE_SCHEMES["typeCode"])]
    if types != [SIG_TYPE]:
        out.fail("DMP-S01", M.text("lot.signature-type", types=types), sig.location)
    formats = [c.code for c in sig.coded(DE_SCHEMES["formatCode"])]
    if len(formats) != 1 or formats[0] not in SIG_FORMATS:
        out.fail(
            "DMP-S01", M.text("lot.signature-format", formats=formats, allowed=", ".join(SIG_FORMATS)), sig.location
        )
    ss_ids = {s.id for s in md.submission_sets}
    if not any(a.type == SIGNS and a.source == sig.id and a.target in ss_ids for a in md.associations):
        out.fail("DMP-S01", M.text("lot.signs", signs=SIGNS, entry=sig.id), sig.location)
