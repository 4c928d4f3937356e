"""Lot-level rules of a DMP feed: associations (DMP-X12), the signature entry (DMP-S01), and
hash/size of each document part (DMP-X04).

Sources: PDSM4DMP TD2/TD2.1, DevBox TD2.1 (lot signé XAdES), the C# sample's signature entry,
IHE XDS.b hash/size (specs/dmp.md §1.4, §2.3).
"""

from __future__ import annotations

import hashlib

from .collector import Collector
from .xds_codes import is_signature
from .xds_model import DE_SCHEMES, HAS_MEMBER, RPLC, SIGNS, XdsMetadata
from .xpaths import where

SIG_TYPE = ("E1762", "ASTM")
SIG_FORMATS = ("http://www.w3.org/2000/09/xmldsig#", "urn:ihe:iti:dsg:detached:2014")


def rules(md: XdsMetadata, out: Collector) -> None:
    _associations(md, out)
    _signature(md, out)
    _hash_size(md, out)


def _associations(md: XdsMetadata, out: Collector) -> None:
    if not md.submission_sets:
        return
    ss = md.submission_sets[0]
    out.cover(
        "DMP-X12",
        "one HasMember (Original) association per DocumentEntry",
        "une association HasMember (Original) par fiche",
        where(md.request),
    )
    for entry in md.entries:
        links = [a for a in md.associations if a.type == HAS_MEMBER and a.source == ss.id and a.target == entry.id]
        if len(links) != 1:
            out.fail(
                "DMP-X12",
                f"{len(links)} HasMember associations from the SubmissionSet to {entry.id}, one expected",
                f"{len(links)} associations HasMember du lot vers {entry.id}, une seule attendue",
                entry.location,
            )
        elif links[0].slots.get("SubmissionSetStatus") != ["Original"]:
            out.fail(
                "DMP-X12",
                "HasMember association without slot SubmissionSetStatus=Original",
                "association HasMember sans slot SubmissionSetStatus=Original",
                where(links[0].el),
            )
    ids = {e.id for e in md.entries}
    for assoc in md.associations:
        if assoc.type != RPLC:
            continue
        if assoc.source not in ids:
            out.fail(
                "DMP-X12",
                f"RPLC association source {assoc.source!r} is not a DocumentEntry of the lot",
                f"la source {assoc.source!r} de l'association RPLC n'est pas une fiche du lot",
                where(assoc.el),
            )
        if not assoc.target.startswith("urn:uuid:") or assoc.target in ids:
            out.fail(
                "DMP-X12",
                f"RPLC association target {assoc.target!r} is not the entryUUID of the replaced entry",
                f"la cible {assoc.target!r} de l'association RPLC n'est pas l'entryUUID de la fiche remplacée",
                where(assoc.el),
            )


def _signature(md: XdsMetadata, out: Collector) -> None:
    loc = where(md.request)
    sigs = [e for e in md.entries if is_signature(e)]
    out.cover(
        "DMP-S01",
        "the lot carries a signature entry linked by a signs association",
        "le lot porte une fiche de signature reliée par une association signs",
        loc,
    )
    if len(sigs) != 1:
        out.fail(
            "DMP-S01",
            f"{len(sigs)} signature DocumentEntries (classCode urn:oid:1.3.6.1.4.1.19376.1.2.1.1.1): "
            "the DMP lot must be signed (XAdES), exactly one expected",
            f"{len(sigs)} fiches de signature (classCode urn:oid:1.3.6.1.4.1.19376.1.2.1.1.1) : "
            "le lot DMP doit "
            "être signé (XAdES), une seule attendue",
            loc,
        )
        if not sigs:
            return
    sig = sigs[0]
    for c in sig.coded(DE_SCHEMES["classCode"]):
        if c.scheme != "URN":
            out.fail(
                "DMP-S01",
                f"signature classCode codingScheme is {c.scheme!r}, expected URN",
                f"le codingScheme du classCode de signature vaut {c.scheme!r}, URN attendu",
                c.location,
            )
    types = [(c.code, c.scheme) for c in sig.coded(DE_SCHEMES["typeCode"])]
    if types != [SIG_TYPE]:
        out.fail(
            "DMP-S01",
            f"signature typeCode {types} is not E1762 (ASTM)",
            f"le typeCode de signature {types} n'est pas E1762 (ASTM)",
            sig.location,
        )
    formats = [c.code for c in sig.coded(DE_SCHEMES["formatCode"])]
    if len(formats) != 1 or formats[0] not in SIG_FORMATS:
        out.fail(
            "DMP-S01",
            f"signature formatCode {formats} is not one of {', '.join(SIG_FORMATS)}",
            f"le formatCode de signature {formats} n'est pas l'un de {', '.join(SIG_FORMATS)}",
            sig.location,
        )
    ss_ids = {s.id for s in md.submission_sets}
    if not any(a.type == SIGNS and a.source == sig.id and a.target in ss_ids for a in md.associations):
        out.fail(
            "DMP-S01",
            f"no {SIGNS} association from {sig.id} to the SubmissionSet",
            f"aucune association {SIGNS} de {sig.id} vers le lot de soumission",
            sig.location,
        )


def _hash_size(md: XdsMetadata, out: Collector) -> None:
    if not md.is_provide_and_register and not md.documents:
        out.not_applicable(
            "DMP-X04",
            "bare SubmitObjectsRequest: no document part to compare hash and size with",
            "SubmitObjectsRequest seul : aucun document pour comparer hash et size",
            where(md.request),
        )
        return
    ids = {e.id for e in md.entries}
    for doc_id, orphan in md.documents.items():
        if doc_id not in ids:
            out.fail(
                "DMP-X04",
                f"document part {doc_id!r} has no DocumentEntry",
                f"le document {doc_id!r} n'a pas de fiche",
                where(orphan.el),
            )
    for entry in md.entries:
        part = md.documents.get(entry.id)
        if part is None:
            out.fail(
                "DMP-X04",
                f"no xdsb:Document with id {entry.id!r} for this DocumentEntry",
                f"aucun xdsb:Document d'id {entry.id!r} pour cette fiche",
                entry.location,
            )
            continue
        if part.data is None:
            if "base64" in part.problem:
                out.fail("DMP-X04", part.problem, "le document n'est pas un base64 valide", where(part.el))
            else:
                out.not_applicable(
                    "DMP-X04", part.problem, "référence MTOM xop:Include non résolue ici", where(part.el)
                )
            continue
        out.cover(
            "DMP-X04",
            "hash and size match the document bytes",
            "hash et size correspondent aux octets du document",
            entry.location,
        )
        sha1, size = hashlib.sha1(part.data).hexdigest(), str(len(part.data))
        hashes, sizes = entry.slot("hash"), entry.slot("size")
        if hashes and hashes[0].lower() != sha1:
            out.fail(
                "DMP-X04",
                f"hash {hashes[0]} differs from the SHA-1 of the document ({sha1})",
                f"hash {hashes[0]} différent du SHA-1 du document ({sha1})",
                entry.location + "/rim:Slot[@name='hash']",
            )
        if sizes and sizes[0] != size:
            out.fail(
                "DMP-X04",
                f"size {sizes[0]} differs from the document length ({size} bytes)",
                f"size {sizes[0]} différent de la taille du document ({size} octets)",
                entry.location + "/rim:Slot[@name='size']",
            )
