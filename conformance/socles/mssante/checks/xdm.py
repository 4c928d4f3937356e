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

from conformance.formats.ins import INS_OIDS, nir_problem, parse_cx
from conformance.model import Artifact, CheckContext, Finding, failed, fails_or_pass, not_applicable, passed
from conformance.registry import check

from .cache import cached
from .cdaview import utc_digits
from .locate import LCM, RIM
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
    parse_xdm,
)

ISO_8_3 = re.compile(r"^[A-Z0-9_]{1,8}(\.[A-Z0-9_]{1,3})?$")
ALL_RULES = ("MSS-XDM-01", "MSS-XDM-02", "MSS-XDM-03", "MSS-XDM-04", "MSS-XDM-05")


def xdm_view(data: bytes, label: str, digest: str | None = None) -> XdmView:
    key = digest or hashlib.sha256(data).hexdigest()
    return cached("xdm:" + label, key, lambda: parse_xdm(data, label))


@check("xdm", "mssante")
def check_xdm_archive(art: Artifact, ctx: CheckContext) -> Iterator[Finding]:
    yield from xdm_findings(xdm_view(art.data, art.name, art.sha256))


def xdm_findings(view: XdmView, *, x_mss_ins: str | None = None, in_email: bool = False) -> list[Finding]:
    """Every XDM rule on one archive; `x_mss_ins` is the e-mail's header value when there is one."""
    if view.refused:
        out = [
            failed(
                "MSS-XDM-01",
                f"the IHE_XDM archive cannot be read: {view.refused}",
                f"l'archive IHE_XDM est illisible : {view.refused}",
                view.loc(),
            )
        ]
        out += [
            failed(
                rid,
                "cannot be verified: the IHE_XDM archive is unreadable (see MSS-XDM-01)",
                "invérifiable : l'archive IHE_XDM est illisible (voir MSS-XDM-01)",
                view.loc(),
            )
            for rid in ALL_RULES[1:]
        ]
        return out
    out = list(layout(view))
    if not view.subsets:
        out += [
            failed(
                rid,
                "cannot be verified: the archive has no IHE_XDM/<subset>/METADATA.XML",
                "invérifiable : l'archive ne contient aucun IHE_XDM/<lot>/METADATA.XML",
                view.loc(),
            )
            for rid in ALL_RULES[1:]
        ]
        return out
    for sub in view.subsets:
        out += metadata_structure(view, sub)
        out += files_match(view, sub)
        out += patient_ids(view, sub, x_mss_ins=x_mss_ins, in_email=in_email)
        out += codes_match(view, sub)
    return out


def layout(view: XdmView) -> Iterator[Finding]:
    rid = "MSS-XDM-01"
    content = view.content
    assert content is not None
    bad = False
    macosx = [p for p in content.problems if p.kind == "junk" and p.entry.startswith("__MACOSX/")]
    if macosx:
        bad = True
        yield failed(
            rid,
            f"{len(macosx)} macOS resource-fork entries under __MACOSX/ (archiver junk)",
            f"{len(macosx)} entrées de ressources macOS sous __MACOSX/ (fichiers parasites)",
            view.loc("__MACOSX/"),
        )
    for p in content.problems:
        if p in macosx:
            continue
        bad = True
        yield failed(rid, p.message_en, p.message_fr, view.loc(p.entry))
    for wanted in ("README.TXT", "INDEX.HTM"):
        if wanted in content.files:
            continue
        bad = True
        other = content.find(wanted)
        if other:
            yield failed(
                rid,
                f"{other} must be named {wanted} (ISO 9660 upper case)",
                f"{other} doit s'appeler {wanted} (majuscules ISO 9660)",
                view.loc(other),
            )
        else:
            yield failed(
                rid,
                f"{wanted} is missing at the root of the archive",
                f"{wanted} est absent à la racine de l'archive",
                view.loc(wanted),
            )
    if not view.subsets:
        bad = True
        near = [n for n in content.files if n.lower().endswith("/metadata.xml")]
        hint = f" (found {', '.join(near)})" if near else ""
        yield failed(
            rid,
            f"no IHE_XDM/<subset>/METADATA.XML in the archive{hint}",
            f"aucun IHE_XDM/<lot>/METADATA.XML dans l'archive{hint}",
            view.loc("IHE_XDM/"),
        )
    for sub in view.subsets:
        prefix = sub.directory + "/"
        for name in sorted(content.files):
            if not name.startswith(prefix) or name == sub.metadata_name:
                continue
            base = name[len(prefix) :]
            if "/" in base or not ISO_8_3.match(base):
                bad = True
                yield failed(
                    rid,
                    f"document file name {base!r} is not an ISO 9660 8.3 upper-case name",
                    f"le nom de fichier {base!r} n'est pas un nom ISO 9660 8.3 en majuscules",
                    view.loc(name),
                )
    if not bad:
        yield passed(
            rid,
            "archive layout: README.TXT, INDEX.HTM, IHE_XDM/<subset>/METADATA.XML, 8.3 names",
            "structure de l'archive : README.TXT, INDEX.HTM, IHE_XDM/<lot>/METADATA.XML, noms 8.3",
            view.loc(),
        )


def metadata_structure(view: XdmView, sub: Subset) -> Iterator[Finding]:
    rid = "MSS-XDM-02"
    where = sub.metadata_name
    if sub.root is None:
        yield failed(
            rid,
            f"METADATA.XML refused: {sub.refused}",
            f"METADATA.XML refusé : {sub.refused}",
            view.loc(where),
        )
        return
    problems: list[tuple[str, str, str]] = []
    if sub.root.tag != f"{{{LCM}}}SubmitObjectsRequest":
        problems.append(
            (
                f"root element is {sub.root.tag}, expected lcm:SubmitObjectsRequest ({LCM})",
                f"l'élément racine est {sub.root.tag}, attendu lcm:SubmitObjectsRequest ({LCM})",
                view.loc(where, sub.root),
            )
        )
    if sub.root.find(f"{{{RIM}}}RegistryObjectList") is None:
        problems.append(
            (
                "rim:RegistryObjectList is missing under the root",
                "rim:RegistryObjectList est absent sous la racine",
                view.loc(where, sub.root),
            )
        )
    if len(sub.sets) != 1:
        problems.append(
            (
                f"{len(sub.sets)} RegistryPackage classified as SubmissionSet "
                f"({len(sub.packages)} RegistryPackage in all), expected exactly one",
                f"{len(sub.sets)} RegistryPackage classé(s) comme lot de soumission "
                f"({len(sub.packages)} au total), un seul attendu",
                view.loc(where, sub.root),
            )
        )
    if not sub.entries:
        problems.append(
            (
                "no ExtrinsicObject of the DocumentEntry type",
                "aucun ExtrinsicObject de type fiche document",
                view.loc(where, sub.root),
            )
        )
    set_ids = {s.id for s in sub.sets}
    for e in sub.entries:
        for scheme, label in (
            (DE_UNIQUE_ID, "XDSDocumentEntry.uniqueId"),
            (DE_PATIENT_ID, "XDSDocumentEntry.patientId"),
        ):
            n = len(e.ext_ids.get(scheme, []))
            if n != 1:
                problems.append(
                    (
                        f"{n} {label} ExternalIdentifier, expected one",
                        f"{n} ExternalIdentifier {label}, un seul attendu",
                        view.loc(where, e.element),
                    )
                )
        if not any(t in HAS_MEMBER and s in set_ids and tgt == e.id for t, s, tgt in sub.associations):
            problems.append(
                (
                    f"no HasMember association from the submission set to document {e.id!r}",
                    f"aucune association HasMember du lot vers le document {e.id!r}",
                    view.loc(where, e.element),
                )
            )
    referenced = {n for e in sub.entries for n in (e.file_name, e.case_only_name) if n}
    content = view.content
    assert content is not None
    for name in sorted(content.files):
        if name.startswith(sub.directory + "/") and name != sub.metadata_name and name not in referenced:
            problems.append(
                (
                    f"file {name} has no ExtrinsicObject in METADATA.XML",
                    f"le fichier {name} n'a pas d'ExtrinsicObject dans METADATA.XML",
                    view.loc(name),
                )
            )
    yield from fails_or_pass(
        rid,
        problems,
        f"SubmitObjectsRequest with one submission set and {len(sub.entries)} document(s)",
        f"SubmitObjectsRequest avec un lot et {len(sub.entries)} document(s)",
        view.loc(where),
    )


def files_match(view: XdmView, sub: Subset) -> Iterator[Finding]:
    rid = "MSS-XDM-03"
    where = sub.metadata_name
    for e in sub.entries:
        uri_loc = view.loc(where, e.slot_elements.get("URI", e.element))
        uris = e.slots.get("URI") or []
        if len(uris) != 1 or not uris[0]:
            yield failed(
                rid,
                f"document {e.id!r} has {len(uris)} URI value(s), expected one",
                f"le document {e.id!r} a {len(uris)} valeur(s) d'URI, une seule attendue",
                uri_loc,
            )
            continue
        uri = uris[0]
        if e.file_name is None:
            if e.case_only_name:
                yield failed(
                    rid,
                    f"URI {uri!r} matches {e.case_only_name} only when case is ignored (a sender must "
                    "write the exact name)",
                    f"l'URI {uri!r} ne correspond à {e.case_only_name} qu'en ignorant la casse (l'émetteur "
                    "doit écrire le nom exact)",
                    uri_loc,
                )
            else:
                yield failed(
                    rid,
                    f"URI {uri!r} does not resolve to a file of {sub.directory}/",
                    f"l'URI {uri!r} ne désigne aucun fichier de {sub.directory}/",
                    uri_loc,
                )
        if e.data is None:
            continue
        ok = e.file_name is not None
        digest = hashlib.sha1(e.data).hexdigest()
        hashes = e.slots.get("hash") or []
        hash_loc = view.loc(where, e.slot_elements.get("hash", e.element))
        if len(hashes) != 1:
            ok = False
            yield failed(
                rid,
                f"{len(hashes)} hash value(s), expected one",
                f"{len(hashes)} valeur(s) de hash, une seule attendue",
                hash_loc,
            )
        elif hashes[0] != digest:
            ok = False
            if hashes[0].lower() == digest:
                yield failed(
                    rid,
                    f"hash {hashes[0]} must be lower-case hex",
                    f"le hash {hashes[0]} doit être en hexadécimal minuscule",
                    hash_loc,
                )
            else:
                yield failed(
                    rid,
                    f"hash {hashes[0]!r} differs from the SHA-1 of the file ({digest})",
                    f"le hash {hashes[0]!r} diffère du SHA-1 du fichier ({digest})",
                    hash_loc,
                )
        sizes = e.slots.get("size") or []
        size_loc = view.loc(where, e.slot_elements.get("size", e.element))
        if len(sizes) != 1 or sizes[0].strip() != str(len(e.data)):
            ok = False
            got = ", ".join(sizes) or "none"
            yield failed(
                rid,
                f"size {got} differs from the file's {len(e.data)} bytes",
                f"la taille {got} diffère des {len(e.data)} octets du fichier",
                size_loc,
            )
        if ok:
            yield passed(
                rid,
                f"{e.file_name}: URI, hash and size match",
                f"{e.file_name} : URI, hash et taille concordent",
                view.loc(where, e.element),
            )


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
        yield failed(
            rid,
            f"patientId {value!r} is not in CX form <id>^^^&<OID>&ISO^NH",
            f"le patientId {value!r} n'est pas au format CX <id>^^^&<OID>&ISO^NH",
            loc,
        )
        return
    problems: list[tuple[str, str]] = []
    if cx.oid in INS_OIDS:
        reason = nir_problem(cx.id)
        if reason:
            problems.append((reason, f"INS invalide : {reason}"))
        if cx.type_code != "NH":
            problems.append(
                (
                    f"identifier type {cx.type_code!r}, expected NH for an INS",
                    f"type d'identifiant {cx.type_code!r}, NH attendu pour un INS",
                )
            )
    elif not (in_email and x_mss_ins == "N"):
        why = "" if in_email else " (acceptable only in an e-mail declaring X-MSS-INS: N)"
        problems.append(
            (
                f"patientId authority {cx.oid} is not an INS OID{why}",
                f"l'autorité {cx.oid} du patientId n'est pas un OID d'INS"
                + ("" if in_email else " (admis seulement dans un courriel portant X-MSS-INS: N)"),
            )
        )
    if cda_ids is not None:
        same_root = [ext for root, ext in cda_ids if root == cx.oid]
        if not same_root:
            problems.append(
                (
                    f"the CDA recordTarget has no id with root {cx.oid}",
                    f"le recordTarget du CDA n'a pas d'identifiant de racine {cx.oid}",
                )
            )
        elif cx.id not in same_root:
            problems.append(
                (
                    f"patientId {cx.id} differs from the CDA recordTarget id {same_root[0]}",
                    f"le patientId {cx.id} diffère de l'identifiant {same_root[0]} du recordTarget du CDA",
                )
            )
    for en, fr in problems:
        yield failed(rid, en, fr, loc)
    if not problems:
        yield passed(
            rid,
            f"patientId {value} is valid" + (" and equals the CDA recordTarget" if cda_ids else ""),
            f"patientId {value} valide" + (" et identique au recordTarget du CDA" if cda_ids else ""),
            loc,
        )


def patient_ids(view: XdmView, sub: Subset, *, x_mss_ins: str | None, in_email: bool) -> Iterator[Finding]:
    rid = "MSS-XDM-04"
    where = sub.metadata_name
    if sub.root is None:
        yield failed(
            rid,
            "cannot be verified: METADATA.XML is unreadable (see MSS-XDM-02)",
            "invérifiable : METADATA.XML illisible (voir MSS-XDM-02)",
            view.loc(where),
        )
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
            yield failed(
                rid,
                "the submission set has no XDSSubmissionSet.patientId",
                "le lot de soumission n'a pas de XDSSubmissionSet.patientId",
                view.loc(where, s.element),
            )
        for value, el in values:
            yield from _pid_findings(view, where, value, el, None, x_mss_ins, in_email)
            # in an e-mail, one usager across all patientIds is MSS-DOC-01's rule: judged once, there
            if not in_email and entry_values and entry_values != {value.strip()}:
                yield failed(
                    rid,
                    f"submission set patientId {value} differs from the documents' {', '.join(sorted(entry_values))}",
                    f"le patientId du lot {value} diffère de celui des documents {', '.join(sorted(entry_values))}",
                    view.loc(where, el),
                )


def _single(view: XdmView, where: str, e: DocEntry, key: str) -> Finding | Coded:
    """The one classification of `key`, or the failing finding saying how many there are."""
    coded = e.codes.get(key, [])
    if len(coded) != 1:
        return failed(
            "MSS-XDM-05",
            f"{len(coded)} {key} classification(s), expected one",
            f"{len(coded)} classification(s) {key}, une seule attendue",
            view.loc(where, e.element),
        )
    return coded[0]


# CI-SIS sets, as MSSanté exchanges use them; the DMP's own narrower sets (J57 classCode, J60
# formatCode) belong to the DMP socle and would fail codes MSSanté accepts.
VALUE_SETS = (
    ("classCode", ("JDV_J06_XdsClassCode_CISIS",)),
    ("formatCode", ("JDV_J10_XdsFormatCode_CISIS",)),
    ("healthcareFacilityTypeCode", ("JDV_J02_XdsHealthcareFacilityTypeCode_CISIS",)),
    ("practiceSettingCode", ("JDV_J04_XdsPracticeSettingCode_CISIS",)),
)


def codes_match(view: XdmView, sub: Subset) -> Iterator[Finding]:
    rid = "MSS-XDM-05"
    where = sub.metadata_name
    for e in sub.entries:
        if e.cda is None:
            yield not_applicable(
                rid,
                "document is not a CDA: no header to compare",
                "le document n'est pas un CDA : pas d'en-tête à comparer",
                view.loc(where, e.element),
            )
            continue
        cda = e.cda
        if not cda.is_cda:
            yield failed(
                rid,
                f"the CDA document cannot be read: {cda.refused}",
                f"le document CDA est illisible : {cda.refused}",
                view.loc(e.file_name or e.case_only_name or where),
            )
            continue
        tc = _single(view, where, e, "typeCode")
        if isinstance(tc, Finding):
            yield tc
        else:
            loc = view.loc(where, tc.element)
            if (tc.code, tc.scheme) != (cda.code, cda.code_system):
                yield failed(
                    rid,
                    f"typeCode {tc.code} ({tc.scheme}) differs from the CDA code {cda.code} ({cda.code_system})",
                    f"typeCode {tc.code} ({tc.scheme}) diffère du code du CDA {cda.code} ({cda.code_system})",
                    loc,
                )
            yield in_value_set(rid, ("JDV_J07_XdsTypeCode_CISIS",), "typeCode", tc.code, tc.scheme, loc)
        for key, names in VALUE_SETS:
            coded = _single(view, where, e, key)
            if isinstance(coded, Finding):
                yield coded
            else:
                yield in_value_set(rid, names, key, coded.code, coded.scheme, view.loc(where, coded.element))
        confs = e.codes.get("confidentialityCode", [])
        conf_loc = view.loc(where, confs[0].element if confs else e.element)
        if cda.confidentiality is None:
            yield failed(
                rid,
                "the CDA has no confidentialityCode/@code to compare",
                "le CDA n'a pas de confidentialityCode/@code à comparer",
                conf_loc,
            )
        elif cda.confidentiality not in {(c.code, c.scheme) for c in confs}:
            yield failed(
                rid,
                f"no confidentialityCode equal to the CDA's {cda.confidentiality}",
                f"aucun confidentialityCode égal à celui du CDA {cda.confidentiality}",
                conf_loc,
            )
        for c in confs:
            yield in_value_set(
                rid,
                ("JDV_J08_XdsConfidentialityCode_CISIS",),
                "confidentialityCode",
                c.code,
                c.scheme,
                view.loc(where, c.element),
            )
        yield _creation_time(view, where, e)


def _creation_time(view: XdmView, where: str, e: DocEntry) -> Finding:
    rid = "MSS-XDM-05"
    assert e.cda is not None
    loc = view.loc(where, e.slot_elements.get("creationTime", e.element))
    value = e.slot("creationTime")
    expected = utc_digits(e.cda.effective_time or "")
    if expected is None:
        return failed(
            rid,
            f"the CDA effectiveTime {e.cda.effective_time!r} is not a valid HL7 timestamp",
            f"l'effectiveTime du CDA {e.cda.effective_time!r} n'est pas un horodatage HL7 valide",
            loc,
        )
    if value is None:
        return failed(rid, "creationTime slot is missing", "le slot creationTime est absent", loc)
    if value != expected:
        return failed(
            rid,
            f"creationTime {value!r} differs from the CDA effectiveTime in UTC ({expected})",
            f"creationTime {value!r} diffère de l'effectiveTime du CDA en UTC ({expected})",
            loc,
        )
    return passed(
        rid,
        f"creationTime {value} equals the CDA effectiveTime (UTC)",
        f"creationTime {value} égal à l'effectiveTime du CDA (UTC)",
        loc,
    )
