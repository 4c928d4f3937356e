"""MSS-XDM-01..05: the IHE_XDM archive itself (layout, ebRIM metadata, hash/size/URI, patientId, codes).

The same rules run on a zip given alone (`conformance validate IHE_XDM.zip`) and on the zip found
in an e-mail; the e-mail adds one fact the archive cannot know, the X-MSS-INS header, which is
what makes a non-INS patientId acceptable (derogation without qualified INS).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

from lxml import etree

from conformance import messages
from conformance.formats.ins import INS_OIDS, CxId, nir_problem, parse_cx
from conformance.formats.sniff import content_words, mime_contradiction
from conformance.messages import Text
from conformance.model import CheckContext, Finding, Verdict
from conformance.registry import check
from conformance.socles.mssante.messages import M

from .cdaview import utc_digits
from .locate import LCM, RIM
from .readers import Archive
from .valuesets import in_value_set
from .xdmview import (
    DE_PATIENT_ID,
    DE_UNIQUE_ID,
    HAS_MEMBER,
    SS_PATIENT_ID,
    Coded,
    DocEntry,
    Subset,
    XdmView,
)

ISO_8_3 = re.compile(r"^[A-Z0-9_]{1,8}(\.[A-Z0-9_]{1,3})?$")
ALL_RULES = ("MSS-XDM-01", "MSS-XDM-02", "MSS-XDM-03", "MSS-XDM-04", "MSS-XDM-05", "MSS-XDM-07")


@check("xdm", "mssante", *ALL_RULES)
def check_xdm_archive(archive: Archive, ctx: CheckContext) -> Iterator[Finding]:
    """Every XDM rule on an archive, alone or found in an e-mail (an unreadable one is refused by its reader)."""
    yield from xdm_findings(archive.view, x_mss_ins=archive.x_mss_ins, in_email=archive.in_email)


def cannot_verify(text: Text, location: str) -> list[Finding]:
    """The rules after MSS-XDM-01 when the archive gives them nothing to judge."""
    return [messages.finding(rid, Verdict.FAIL, text, location) for rid in ALL_RULES[1:]]


def xdm_findings(view: XdmView, *, x_mss_ins: str | None = None, in_email: bool = False) -> list[Finding]:
    """Every XDM rule on one archive; `x_mss_ins` is the e-mail's header value when there is one."""
    if view.refused:
        out = [M.fail("MSS-XDM-01", "xdm.refused", view.loc(), reason=view.refused)]
        return out + cannot_verify(M.text("xdm.refused-others"), view.loc())
    out = list(layout(view))
    if not view.subsets:
        return out + cannot_verify(M.text("xdm.no-metadata-others"), view.loc())
    for sub in view.subsets:
        out += metadata_structure(view, sub)
        out += files_match(view, sub)
        out += patient_ids(view, sub, x_mss_ins=x_mss_ins, in_email=in_email)
        out += codes_match(view, sub)
        out += mime_types(view, sub)
    return out


def mime_types(view: XdmView, sub: Subset) -> Iterator[Finding]:
    """MSS-XDM-07: the mimeType each DocumentEntry declares is what its file holds (an HTML page or a
    PDF declared text/xml is not a CDA, whatever the metadata claims)."""
    rid = "MSS-XDM-07"
    judged = False
    for e in sub.entries:
        if e.data is None:
            continue  # an unresolved URI is MSS-XDM-03's
        judged = True
        declared = e.element.get("mimeType", "")
        found = mime_contradiction(declared, e.data)
        if found is not None:
            loc = view.loc(sub.metadata_name, e.element)
            yield M.fail(rid, "mime.differs", loc, id=e.id, declared=declared, found=content_words(found))
    if judged:
        yield M.passed(rid, "mime.agrees", view.loc(sub.metadata_name))


def layout(view: XdmView) -> Iterator[Finding]:
    rid = "MSS-XDM-01"
    content = view.content
    assert content is not None
    problems: list[tuple[Text, str]] = []
    # archiver junk (__MACOSX/, .DS_Store) is not named by ITI-32 nor by the rule: reported, not failed
    junk = [p.entry for p in content.problems if p.kind == "junk"]
    if junk:
        yield M.not_applicable(rid, "xdm.junk-ignored", view.loc(junk[0]), count=len(junk), entries=", ".join(junk[:5]))
    problems += [(Text(p.message_en, p.message_fr), view.loc(p.entry)) for p in content.problems if p.kind != "junk"]
    for wanted in ("README.TXT", "INDEX.HTM"):
        if wanted in content.files:
            continue
        other = content.find(wanted)
        if other:
            problems.append((M.text("xdm.wrong-case", found=other, wanted=wanted), view.loc(other)))
        else:
            problems.append((M.text("xdm.missing-file", wanted=wanted), view.loc(wanted)))
    if not view.subsets:
        near = [n for n in content.files if n.lower().endswith("/metadata.xml")]
        text = M.text("xdm.no-metadata-near", near=", ".join(near)) if near else M.text("xdm.no-metadata")
        problems.append((text, view.loc("IHE_XDM/")))
    for sub in view.subsets:
        prefix = sub.directory + "/"
        for name in sorted(content.files):
            if not name.startswith(prefix) or name == sub.metadata_name:
                continue
            base = name[len(prefix) :]
            if "/" in base or not ISO_8_3.match(base):
                problems.append((M.text("xdm.not-8.3", name=base), view.loc(name)))
    yield from messages.fails_or_pass(rid, problems, M.text("xdm.layout-ok"), view.loc())


def metadata_structure(view: XdmView, sub: Subset) -> Iterator[Finding]:
    rid = "MSS-XDM-02"
    where = sub.metadata_name
    if sub.root is None:
        yield M.fail(rid, "metadata.refused", view.loc(where), reason=sub.refused)
        return
    at_root = view.loc(where, sub.root)
    problems: list[tuple[Text, str]] = []
    if sub.root.tag != f"{{{LCM}}}SubmitObjectsRequest":
        problems.append((M.text("metadata.root", tag=sub.root.tag, ns=LCM), at_root))
    if sub.root.find(f"{{{RIM}}}RegistryObjectList") is None:
        problems.append((M.text("metadata.no-object-list"), at_root))
    if len(sub.sets) != 1:
        problems.append((M.text("metadata.submission-sets", sets=len(sub.sets), packages=len(sub.packages)), at_root))
    if not sub.entries:
        problems.append((M.text("metadata.no-entry"), at_root))
    set_ids = {s.id for s in sub.sets}
    for e in sub.entries:
        for scheme, label in (
            (DE_UNIQUE_ID, "XDSDocumentEntry.uniqueId"),
            (DE_PATIENT_ID, "XDSDocumentEntry.patientId"),
        ):
            n = len(e.ext_ids.get(scheme, []))
            if n != 1:
                problems.append((M.text("metadata.ext-id-count", count=n, label=label), view.loc(where, e.element)))
        if not any(t in HAS_MEMBER and s in set_ids and tgt == e.id for t, s, tgt in sub.associations):
            problems.append((M.text("metadata.no-has-member", id=e.id), view.loc(where, e.element)))
    referenced = {n for e in sub.entries for n in (e.file_name, e.case_only_name) if n}
    content = view.content
    assert content is not None
    for name in sorted(content.files):
        if name.startswith(sub.directory + "/") and name != sub.metadata_name and name not in referenced:
            problems.append((M.text("metadata.unlisted-file", name=name), view.loc(name)))
    ok = M.text("metadata.ok", count=len(sub.entries))
    yield from messages.fails_or_pass(rid, problems, ok, view.loc(where))


def _hash_and_size(view: XdmView, sub: Subset, e: DocEntry, data: bytes) -> Iterator[Finding]:
    """The hash and size slots are the SHA-1 (lower-case hex) and the length of the file."""
    rid = "MSS-XDM-03"
    where = sub.metadata_name
    digest = hashlib.sha1(data).hexdigest()
    hashes = e.slots.get("hash") or []
    hash_loc = view.loc(where, e.slot_elements.get("hash", e.element))
    if len(hashes) != 1:
        yield M.fail(rid, "files.hash-count", hash_loc, count=len(hashes))
    elif hashes[0] != digest and hashes[0].lower() == digest:
        yield M.fail(rid, "files.hash-case", hash_loc, hash=hashes[0])
    elif hashes[0] != digest:
        yield M.fail(rid, "files.hash-differs", hash_loc, hash=hashes[0], digest=digest)
    sizes = e.slots.get("size") or []
    if len(sizes) != 1 or sizes[0].strip() != str(len(data)):
        size_loc = view.loc(where, e.slot_elements.get("size", e.element))
        yield M.fail(rid, "files.size-differs", size_loc, got=", ".join(sizes) or "none", size=len(data))


def files_match(view: XdmView, sub: Subset) -> Iterator[Finding]:
    rid = "MSS-XDM-03"
    for e in sub.entries:
        uri_loc = view.loc(sub.metadata_name, e.slot_elements.get("URI", e.element))
        uris = e.slots.get("URI") or []
        if len(uris) != 1 or not uris[0]:
            yield M.fail(rid, "files.uri-count", uri_loc, id=e.id, count=len(uris))
            continue
        if e.file_name is None and e.case_only_name:
            yield M.fail(rid, "files.uri-case", uri_loc, uri=uris[0], name=e.case_only_name)
        elif e.file_name is None:
            yield M.fail(rid, "files.uri-unresolved", uri_loc, uri=uris[0], directory=sub.directory)
        if e.data is None:
            continue
        problems = list(_hash_and_size(view, sub, e, e.data))
        yield from problems
        if not problems and e.file_name is not None:
            yield M.passed(rid, "files.ok", view.loc(sub.metadata_name, e.element), name=e.file_name)


def _pid_problems(cx: CxId, cda_ids: list[tuple[str, str]] | None, x_mss_ins: str | None, in_email: bool) -> list[Text]:
    """Why a patientId in CX form is not a valid INS, not the CDA's identifier, or not acceptable here."""
    problems: list[Text] = []
    if cx.oid in INS_OIDS:
        reason = nir_problem(cx.id)
        if reason:
            problems.append(M.text("ins.invalid", reason=reason))
        if cx.type_code != "NH":
            problems.append(M.text("pid.type-code", type=cx.type_code))
    elif not in_email:
        problems.append(M.text("pid.not-ins", oid=cx.oid))
    elif x_mss_ins != "N":
        problems.append(M.text("pid.not-ins-in-email", oid=cx.oid))
    if cda_ids is not None:
        same_root = [ext for root, ext in cda_ids if root == cx.oid]
        if not same_root:
            problems.append(M.text("pid.cda-no-root", oid=cx.oid))
        elif cx.id not in same_root:
            problems.append(M.text("pid.cda-differs", id=cx.id, cda_id=same_root[0]))
    return problems


def _pid_findings(
    view: XdmView,
    where: str,
    value: str,
    el: etree._Element,
    cda_ids: list[tuple[str, str]] | None,
    x_mss_ins: str | None,
    in_email: bool,
) -> Iterator[Finding]:
    rid = "MSS-XDM-04"
    loc = view.loc(where, el)
    cx = parse_cx(value)
    if cx is None:
        yield M.fail(rid, "pid.not-cx", loc, value=value)
        return
    problems = _pid_problems(cx, cda_ids, x_mss_ins, in_email)
    ok = M.text("pid.ok-cda", value=value) if cda_ids else M.text("pid.ok", value=value)
    yield from messages.fails_or_pass(rid, [(p, loc) for p in problems], ok, loc)


def patient_ids(view: XdmView, sub: Subset, *, x_mss_ins: str | None, in_email: bool) -> Iterator[Finding]:
    rid = "MSS-XDM-04"
    where = sub.metadata_name
    if sub.root is None:
        yield M.fail(rid, "pid.metadata-unreadable", view.loc(where))
        return
    entry_values: set[str] = set()
    for e in sub.entries:
        for value, el in e.ext_ids.get(DE_PATIENT_ID, []):
            entry_values.add(value.strip())
            cda_ids = e.cda.record_target_ids if e.cda is not None and e.cda.is_cda else None
            yield from _pid_findings(view, where, value, el, cda_ids, x_mss_ins, in_email)
    for s in sub.sets:
        values = s.ext_ids.get(SS_PATIENT_ID, [])
        if not values:
            yield M.fail(rid, "pid.set-missing", view.loc(where, s.element))
        for value, el in values:
            yield from _pid_findings(view, where, value, el, None, x_mss_ins, in_email)
            # in an e-mail, one usager across all patientIds is MSS-DOC-01's rule: judged once, there
            if not in_email and entry_values and entry_values != {value.strip()}:
                entries = ", ".join(sorted(entry_values))
                yield M.fail(rid, "pid.set-differs", view.loc(where, el), value=value, entries=entries)


def _single(view: XdmView, where: str, e: DocEntry, key: str) -> Finding | Coded:
    """The one classification of `key`, or the failing finding saying how many there are."""
    coded = e.codes.get(key, [])
    if len(coded) != 1:
        return M.fail("MSS-XDM-05", "codes.count", view.loc(where, e.element), count=len(coded), what=key)
    return coded[0]


# CI-SIS sets, as MSSanté exchanges use them; the DMP's own narrower sets (J57 classCode, J60
# formatCode) belong to the DMP socle and would fail codes MSSanté accepts.
VALUE_SETS = (
    ("classCode", ("JDV_J06_XdsClassCode_CISIS",)),
    ("formatCode", ("JDV_J10_XdsFormatCode_CISIS",)),
    ("healthcareFacilityTypeCode", ("JDV_J02_XdsHealthcareFacilityTypeCode_CISIS",)),
    ("practiceSettingCode", ("JDV_J04_XdsPracticeSettingCode_CISIS",)),
)


def _type_code(view: XdmView, where: str, e: DocEntry) -> Iterator[Finding]:
    """typeCode equals the CDA code and belongs to JDV_J07."""
    rid = "MSS-XDM-05"
    assert e.cda is not None
    tc = _single(view, where, e, "typeCode")
    if isinstance(tc, Finding):
        yield tc
        return
    loc = view.loc(where, tc.element)
    if (tc.code, tc.scheme) != (e.cda.code, e.cda.code_system):
        yield M.fail(
            rid,
            "codes.type-differs",
            loc,
            code=tc.code,
            scheme=tc.scheme,
            cda_code=e.cda.code,
            cda_system=e.cda.code_system,
        )
    yield in_value_set(rid, ("JDV_J07_XdsTypeCode_CISIS",), "typeCode", tc.code, tc.scheme, loc)


def _confidentiality(view: XdmView, where: str, e: DocEntry) -> Iterator[Finding]:
    """One confidentialityCode equals the CDA's, and every one belongs to JDV_J08."""
    rid = "MSS-XDM-05"
    assert e.cda is not None
    confs = e.codes.get("confidentialityCode", [])
    conf_loc = view.loc(where, confs[0].element if confs else e.element)
    if e.cda.confidentiality is None:
        yield M.fail(rid, "codes.no-confidentiality", conf_loc)
    elif e.cda.confidentiality not in {(c.code, c.scheme) for c in confs}:
        yield M.fail(rid, "codes.confidentiality-differs", conf_loc, cda=e.cda.confidentiality)
    for c in confs:
        loc = view.loc(where, c.element)
        yield in_value_set(rid, ("JDV_J08_XdsConfidentialityCode_CISIS",), "confidentialityCode", c.code, c.scheme, loc)


def codes_match(view: XdmView, sub: Subset) -> Iterator[Finding]:
    rid = "MSS-XDM-05"
    where = sub.metadata_name
    for e in sub.entries:
        if e.cda is None:
            yield M.not_applicable(rid, "codes.not-cda", view.loc(where, e.element))
            continue
        if not e.cda.is_cda:
            loc = view.loc(e.file_name or e.case_only_name or where)
            yield M.fail(rid, "cda.refused", loc, reason=e.cda.refused)
            continue
        yield from _type_code(view, where, e)
        for key, names in VALUE_SETS:
            coded = _single(view, where, e, key)
            if isinstance(coded, Finding):
                yield coded
            else:
                yield in_value_set(rid, names, key, coded.code, coded.scheme, view.loc(where, coded.element))
        yield from _confidentiality(view, where, e)
        yield _creation_time(view, where, e)


def _creation_time(view: XdmView, where: str, e: DocEntry) -> Finding:
    rid = "MSS-XDM-05"
    assert e.cda is not None
    loc = view.loc(where, e.slot_elements.get("creationTime", e.element))
    value = e.slot("creationTime")
    expected = utc_digits(e.cda.effective_time or "")
    if expected is None:
        return M.fail(rid, "codes.bad-effective-time", loc, value=e.cda.effective_time)
    if value is None:
        return M.fail(rid, "codes.creation-time-missing", loc)
    if value != expected:
        return M.fail(rid, "codes.creation-time-differs", loc, value=value, expected=expected)
    return M.passed(rid, "codes.creation-time-ok", loc, value=value)
