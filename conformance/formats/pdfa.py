"""PDF/A-1b checked on the file, not on its declaration: the rules of ISO 19005-1:2005 that matter for a
DUI's documents, in Python, the way Apache PDFBox Preflight reads them.

A PDF that merely says `pdfaid:part=1` in its XMP is not PDF/A: what makes it readable in thirty years
is that its fonts are embedded with their widths (§6.3), its colours are defined by an ICC output intent
that PDF 1.4 can read (§6.2), it needs no transparency (§6.4), runs no script or action on opening
(§6.6), is not encrypted (§6.1.3) and identifies itself in XMP metadata that agrees with its Info
dictionary (§6.7). Those are the clauses checked here; the rest of the standard (content stream
operators, XMP extension schemas, annotation appearance details, implementation limits) is what an
external validator adds: `--pdfa-validator preflight` runs Apache PDFBox Preflight too
(`conformance.formats.preflight`) and its verdict is recorded beside this one.

The file is walked once, depth first, as an object graph from the trailer (bounded by `MAX_OBJECTS`), and every
dictionary met is judged by what it is: a font, an action, an extended graphics state, an image, a
stream. Every problem says its clause and the object path where it was found (`Root/Pages/Kids[0]/...`).
A hostile or broken file yields a `refused` reason, never an exception.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from lxml import etree
from pypdf import PdfReader
from pypdf.generic import ArrayObject, BooleanObject, ContentStream, DictionaryObject, IndirectObject, StreamObject

from conformance.formats import pdfa_fonts
from conformance.formats.xmlsafe import XmlRefused, parse_xml
from conformance.kept import Kept
from conformance.messages import Messages, Text

T = Messages(Path(__file__).with_name("pdfa.toml"), "pdfa")
STANDARD = "ISO 19005-1:2005 (PDF/A-1)"
PDFAID = "http://www.aiim.org/pdfa/ns/id/"
MAX_PDF_BYTES = 32 * 1024 * 1024
MAX_OBJECTS = 50_000
MAX_CONTENT_BYTES = 8 * 1024 * 1024  # content streams scanned for device colour operators
_GRAY_OPS = frozenset({b"g", b"G", b"Tj", b"TJ", b"'", b'"', b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*", b"S", b"s"})
_FIRST_KEYS = {"/Pages": 0, "/Kids": 1, "/Resources": 2, "/Contents": 3}
_SKIP_KEYS = frozenset({"/Parent", "/P", "/Prev", "/Last", "/First", "/Dest", "/ParentTree", "/StructParents"})
# §6.6.1: forbidden action types (Hide by Corrigendum 2; set-state and no-op are deprecated ones)
FORBIDDEN_ACTIONS = frozenset(
    {"/Launch", "/Sound", "/Movie", "/ResetForm", "/ImportData", "/JavaScript", "/Hide", "/SetState", "/NOP"}
)
ALLOWED_NAMED = frozenset({"/NextPage", "/PrevPage", "/FirstPage", "/LastPage"})

logging.getLogger("pypdf").setLevel(logging.ERROR)  # our findings say what matters, not pypdf's log


@dataclass(frozen=True)
class Problem:
    """One broken rule: the clause of ISO 19005-1, what is wrong, and the object path where."""

    clause: str
    text: Text
    location: str


@dataclass
class PdfaReport:
    """What this module makes of one PDF; `external` is the external validator's verdict when one ran."""

    refused: Text | None = None
    part: str | None = None  # XMP pdfaid:part as declared
    conformance: str | None = None  # XMP pdfaid:conformance as declared
    problems: list[Problem] = field(default_factory=list)
    incomplete: Text | None = None
    external: Any = None  # conformance.formats.preflight.ExternalVerdict

    @property
    def declares_pdfa1(self) -> bool:
        return self.part == "1"

    @property
    def conforms(self) -> bool:
        return self.refused is None and not self.problems

    def add(self, clause: str, message: str, location: str, **params: Any) -> None:
        self.problems.append(Problem(clause, T.text(message, **params), location))


def _resolve(value: Any) -> Any:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _get(d: Any, key: str) -> Any:
    if not isinstance(d, DictionaryObject):
        return None
    try:
        return _resolve(d.get(key))
    except Exception:  # a dangling reference reads as absent
        return None


def _children(obj: Any, path: str) -> Iterator[tuple[Any, str]]:
    if isinstance(obj, DictionaryObject):
        # the page tree first, so that a page's objects are located through Pages, not an OpenAction
        for key in sorted(obj.keys(), key=lambda k: (k not in _FIRST_KEYS, _FIRST_KEYS.get(k, 0))):
            if key not in _SKIP_KEYS:
                yield obj.get(key), f"{path}/{str(key).lstrip('/')}"
    elif isinstance(obj, ArrayObject):
        for i, value in enumerate(obj):
            yield value, f"{path}[{i}]"


@dataclass
class _Walk:
    report: PdfaReport
    reader: PdfReader
    seen: set[tuple[int, int]] = field(default_factory=set)
    fonts: int = 0
    device: set[str] = field(default_factory=set)  # DeviceGray / DeviceRGB / DeviceCMYK met
    defaults: set[str] = field(default_factory=set)  # Gray / RGB / CMYK given a Default colour space
    content: int = 0  # content stream bytes scanned


def walk(reader: PdfReader, report: PdfaReport) -> _Walk:
    """Every object reachable from the trailer, once (by object number), depth first (page tree first)."""
    state = _Walk(report, reader)
    stack: list[tuple[Any, str, str]] = [(reader.trailer.get("/Root"), "Root", "")]
    visited = 0
    while stack:
        raw, path, key = stack.pop()
        if isinstance(raw, IndirectObject):
            ident = (raw.idnum, raw.generation)
            if ident in state.seen:
                continue
            state.seen.add(ident)
        visited += 1
        if visited > MAX_OBJECTS:
            report.incomplete = T.text("incomplete.objects", limit=MAX_OBJECTS)
            break
        try:
            obj = _resolve(raw)
        except Exception:  # one unreadable object: the others are still judged
            continue
        if isinstance(obj, DictionaryObject):
            _judge(obj, path, key, state)
        stack.extend(reversed([(v, p, p.rsplit("/", 1)[-1]) for v, p in _children(obj, path)]))
    return state


def _judge(d: DictionaryObject, path: str, key: str, state: _Walk) -> None:
    """Every rule that reads one dictionary, by what the dictionary is."""
    r = state.report
    kind = _get(d, "/Type")
    subtype = _get(d, "/Subtype")
    action = _get(d, "/S")
    if "/AA" in d:
        r.add("6.6.2", "action.additional", f"{path}/AA")
    if action in FORBIDDEN_ACTIONS and kind in (None, "/Action"):
        r.add("6.6.1", "action.forbidden", path, action=str(action).lstrip("/"))
    elif "/JS" in d:
        r.add("6.6.1", "action.javascript", f"{path}/JS", entry="/JS")
    if action == "/Named" and kind in (None, "/Action") and _get(d, "/N") not in ALLOWED_NAMED:
        r.add("6.6.1", "action.named", path, name=str(_get(d, "/N")))
    if key == "Names" and "/JavaScript" in d:
        r.add("6.6.1", "action.javascript", f"{path}/JavaScript", entry="Names/JavaScript")
    if "/EmbeddedFiles" in d or (kind == "/Filespec" and "/EF" in d and "/EmbeddedFiles" not in path):
        r.add("6.1.11", "names.embedded-files", path)
    if _true(_get(d, "/NeedAppearances")):
        r.add("6.9", "form.need-appearances", f"{path}/NeedAppearances")
    _transparency(d, path, r)
    if isinstance(d, StreamObject):
        _stream(d, path, key, subtype, state)
    if kind == "/Font" or subtype in pdfa_fonts.SUBTYPES:
        state.fonts += 1
        for clause, msg, where, params in pdfa_fonts.judge(d, path, subtype, widths=state.fonts <= 64):
            r.add(clause, msg, where, **params)
    if key == "ColorSpace" or key.startswith("CS"):
        _note_device(d, state)


def _transparency(d: DictionaryObject, path: str, r: PdfaReport) -> None:
    """§6.4: no soft mask, constant alpha 1.0, Normal/Compatible blending, no transparency group."""
    smask = _get(d, "/SMask")
    if smask is not None and smask != "/None":
        value = "/None" if smask == "/None" else ("<stream>" if isinstance(smask, StreamObject) else str(smask))
        r.add("6.4", "transparency.smask", f"{path}/SMask", value=value)
    for alpha in ("/CA", "/ca"):
        v = _get(d, alpha)
        if v is not None and _number(v) != 1.0:
            r.add("6.4", "transparency.alpha", f"{path}{alpha}", entry=alpha.lstrip("/"), value=v)
    bm = _get(d, "/BM")
    modes = [str(_resolve(m)) for m in bm] if isinstance(bm, ArrayObject) else [str(bm)] if bm is not None else []
    for mode in modes:
        if mode not in ("/Normal", "/Compatible"):
            r.add("6.4", "transparency.blend", f"{path}/BM", value=mode)
    group = _get(d, "/Group")
    if isinstance(group, DictionaryObject) and _get(group, "/S") == "/Transparency":
        r.add("6.4", "transparency.group", f"{path}/Group")


def _true(v: Any) -> bool:
    return v is True or (isinstance(v, BooleanObject) and bool(v.value))


def _number(v: Any) -> float | None:
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _stream(d: StreamObject, path: str, key: str, subtype: Any, state: _Walk) -> None:
    r = state.report
    for ext in ("/F", "/FFilter", "/FDecodeParms"):
        if ext in d:
            r.add("6.1.7", "stream.external", f"{path}{ext}", entry=ext.lstrip("/"))
    filters = _get(d, "/Filter")
    names = [str(_resolve(f)) for f in filters] if isinstance(filters, ArrayObject) else [str(filters)]
    if "/LZWDecode" in names:
        r.add("6.1.10", "filter.lzw", f"{path}/Filter")
    if subtype == "/Image":
        if _true(_get(d, "/Interpolate")):
            r.add("6.2.4", "image.interpolate", f"{path}/Interpolate")
        if "/Alternates" in d:
            r.add("6.2.4", "image.alternates", f"{path}/Alternates")
        _note_device(_get(d, "/ColorSpace"), state)
    elif subtype == "/PS" or _get(d, "/Subtype2") == "/PS":
        r.add("6.2.7", "xobject.forbidden", path, what="PostScript")
    elif subtype == "/Form" and "/Ref" in d:
        r.add("6.2.6", "xobject.forbidden", path, what="reference")
    if "/OPI" in d:
        r.add("6.2.8", "xobject.forbidden", f"{path}/OPI", what="OPI")
    content = key.startswith("Contents") or subtype == "/Form"  # page contents, form XObjects, appearances
    if content and state.content < MAX_CONTENT_BYTES:
        _scan_operators(d, state)


def _scan_operators(d: StreamObject, state: _Walk) -> None:
    """Device colour operators (rg/RG: DeviceRGB, k/K: DeviceCMYK) of a content stream, for §6.2.3.3."""
    try:
        ops = ContentStream(d, state.reader).operations
    except Exception:  # an unparsable content stream: nothing to say about its colours
        return
    state.content += len(d.get_data())
    for _operands, op in ops:
        if op in (b"rg", b"RG"):
            state.device.add("DeviceRGB")
        elif op in (b"k", b"K"):
            state.device.add("DeviceCMYK")
        elif op in _GRAY_OPS:  # g/G, or text and paint in the initial colour, which is DeviceGray black
            state.device.add("DeviceGray")


def _note_device(value: Any, state: _Walk) -> None:
    """Device colour spaces named in a resource (a ColorSpace dictionary or an image's /ColorSpace); a
    DefaultGray/RGB/CMYK entry makes that device space device-independent (§6.2.3.3)."""
    if isinstance(value, DictionaryObject):
        state.defaults.update(str(k)[len("/Default") :] for k in value if str(k).startswith("/Default"))
    values = value.values() if isinstance(value, DictionaryObject) else [value]
    for v in values:
        v = _resolve(v)
        if v in ("/DeviceRGB", "/DeviceCMYK", "/DeviceGray"):
            state.device.add(str(v).lstrip("/"))


def _header(data: bytes, r: PdfaReport) -> None:
    """§6.1.2: `%PDF-1.n` at offset 0, then a comment of at least four bytes above 127."""
    lines = data[:1024].split(b"\n", 2) if b"\n" in data[:1024] else data[:1024].split(b"\r", 2)
    second = lines[1].lstrip(b"\r") if len(lines) > 1 else b""
    if not (second.startswith(b"%") and sum(1 for b in second[1:5] if b > 127) == 4):
        r.add("6.1.2", "header.binary", "header")


def _xmp(root: DictionaryObject, info: Any, r: PdfaReport) -> None:
    """§6.7: an unfiltered XMP stream with the PDF/A identification, agreeing with the Info dictionary."""
    meta = _get(root, "/Metadata")
    if not isinstance(meta, StreamObject):
        r.add("6.7.2", "xmp.missing", "Root/Metadata")
        return
    if _get(meta, "/Filter") is not None:
        r.add("6.7.2", "xmp.filtered", "Root/Metadata/Filter", filter=str(_get(meta, "/Filter")))
    try:
        x = parse_xml(bytes(meta.get_data()))
    except XmlRefused as exc:
        r.add("6.7.2", "xmp.unreadable", "Root/Metadata", reason=exc)
        return
    except Exception as exc:
        r.add("6.7.2", "xmp.unreadable", "Root/Metadata", reason=f"{type(exc).__name__}: {exc}")
        return
    r.part, r.conformance = _property(x, PDFAID, "part"), _property(x, PDFAID, "conformance")
    absent = T.text("absent")
    if r.part != "1":
        r.add("6.7.11", "xmp.part", "Root/Metadata (pdfaid:part)", got=r.part or absent.en)
    if (r.conformance or "").upper() not in ("A", "B"):
        r.add("6.7.11", "xmp.conformance", "Root/Metadata (pdfaid:conformance)", got=r.conformance or absent.en)
    if isinstance(info, DictionaryObject):
        _info_agrees(info, x, r)


_INFO_XMP = (
    ("/Title", "http://purl.org/dc/elements/1.1/", "title", "dc:title"),
    ("/Author", "http://purl.org/dc/elements/1.1/", "creator", "dc:creator"),
    ("/Subject", "http://purl.org/dc/elements/1.1/", "description", "dc:description"),
    ("/Keywords", "http://ns.adobe.com/pdf/1.3/", "Keywords", "pdf:Keywords"),
    ("/Creator", "http://ns.adobe.com/xap/1.0/", "CreatorTool", "xmp:CreatorTool"),
    ("/Producer", "http://ns.adobe.com/pdf/1.3/", "Producer", "pdf:Producer"),
)


def _info_agrees(info: DictionaryObject, x: etree._Element, r: PdfaReport) -> None:
    """§6.7.3: each Info entry present has its XMP twin with the same value (dates compared as instants)."""
    xap = "http://ns.adobe.com/xap/1.0/"
    pairs = [(key, ns, name, xmp_key, False) for key, ns, name, xmp_key in _INFO_XMP]
    pairs += [
        ("/CreationDate", xap, "CreateDate", "xmp:CreateDate", True),
        ("/ModDate", xap, "ModifyDate", "xmp:ModifyDate", True),
    ]
    for key, ns, name, xmp_key, is_date in pairs:
        value = _get(info, key)
        if value is None:
            continue
        twin = _property(x, ns, name)
        if is_date:
            got = _pdf_date(str(value))
            same = got is not None and got == _xmp_date(twin)
        else:
            same = twin is not None and str(value).strip() == twin.strip()
        if not same:
            r.add(
                "6.7.3",
                "info.mismatch",
                f"Info{key}",
                entry=key.lstrip("/"),
                info=str(value),
                xmp_key=xmp_key,
                xmp=twin,
            )


def _property(x: etree._Element, ns: str, name: str) -> str | None:
    """An XMP property written as an attribute, a simple element or the first rdf:li of a container."""
    for el in x.iter(f"{{{ns}}}{name}"):
        items = [li.text or "" for li in el.iter("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}li")]
        text = items[0] if items else (el.text or "")
        if text.strip():
            return text.strip()
    for el in x.iter():
        value = el.get(f"{{{ns}}}{name}")
        if value:
            return value.strip()
    return None


_PDF_DATE = re.compile(r"^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:([Zz])|([+-])(\d{2})'?(\d{2})?'?)?")
_XMP_DATE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(?:(Z)|([+-])(\d{2}):(\d{2}))?$"
)


def _instant(parts: tuple[str | None, ...]) -> datetime | None:
    """(year, month, day, hour, minute, second, Z, sign, tz hours, tz minutes) -> an aware datetime."""
    y, mo, d, h, mi, s, _z, sign, tzh, tzm = parts
    offset = timedelta(hours=int(tzh or 0), minutes=int(tzm or 0)) * (-1 if sign == "-" else 1)
    try:
        return datetime(
            int(y or 0), int(mo or 1), int(d or 1), int(h or 0), int(mi or 0), int(s or 0), tzinfo=timezone(offset)
        )
    except ValueError:
        return None


def _pdf_date(value: str) -> datetime | None:
    m = _PDF_DATE.match(value.strip())
    return _instant(m.groups()) if m else None


def _xmp_date(value: str | None) -> datetime | None:
    m = _XMP_DATE.match(value.strip()) if value else None
    return _instant(m.groups()) if m else None


def _intents(root: DictionaryObject, state: _Walk) -> None:
    """§6.2.2 and §6.2.3.3: the GTS_PDFA1 output intent's ICC profile, and device colours it must cover."""
    from conformance.formats.pdfa_fonts import icc_problem

    r = state.report
    intents = _get(root, "/OutputIntents")
    profiles: list[tuple[bytes, str]] = []
    for i, raw in enumerate(intents if isinstance(intents, ArrayObject) else []):
        intent = _resolve(raw)
        where = f"Root/OutputIntents[{i}]"
        if _get(intent, "/S") != "/GTS_PDFA1":
            continue
        profile = _get(intent, "/DestOutputProfile")
        if not isinstance(profile, StreamObject):
            r.add("6.2.2", "intent.no-profile", where)
            continue
        try:
            icc = bytes(profile.get_data())
        except Exception as exc:
            r.add("6.2.2", "intent.icc-unreadable", f"{where}/DestOutputProfile", reason=type(exc).__name__)
            continue
        problem = icc_problem(icc, _get(profile, "/N"))
        if problem is not None:
            msg, params = problem
            r.add("6.2.2", msg, f"{where}/DestOutputProfile", **params)
        profiles.append((icc, icc[16:20].decode("latin-1").strip() if len(icc) >= 20 else ""))
    if len({p for p, _ in profiles}) > 1:
        r.add("6.2.2", "intent.profiles-differ", "Root/OutputIntents")
    spaces = {s for _, s in profiles}
    for space in sorted(state.device):
        wanted = space.removeprefix("Device")
        if wanted in state.defaults:
            continue
        if not profiles:
            r.add("6.2.3.3", "intent.missing", "Root/OutputIntents", space=space)
        elif wanted != "Gray" and wanted not in spaces:
            r.add(
                "6.2.3.3", "colour.against-intent", "Root/OutputIntents", space=space, intent="/".join(sorted(spaces))
            )


def check_pdfa(data: bytes) -> PdfaReport:
    """The PDF/A-1b rules of this module on `data`; never raises."""
    report = PdfaReport()
    if len(data) > MAX_PDF_BYTES:
        report.refused = T.text("refused.size", size=len(data), limit=MAX_PDF_BYTES)
        return report
    if not data.startswith(b"%PDF-"):
        report.refused = T.text("refused.header")
        return report
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
        if encrypted:
            reader.decrypt("")  # an empty user password still lets us read the rest
        root = _resolve(reader.trailer.get("/Root"))
        if not isinstance(root, DictionaryObject):
            raise ValueError("the trailer has no /Root catalog")
    except Exception as exc:  # pypdf raises many types on broken files; all mean "unreadable"
        report.refused = T.text("refused.unreadable", error=f"{type(exc).__name__}: {str(exc)[:160]}")
        return report
    _header(data, report)
    if encrypted:
        report.add("6.1.3", "trailer.encrypted", "trailer/Encrypt")
    if "/ID" not in reader.trailer:
        report.add("6.1.3", "trailer.no-id", "trailer/ID")
    try:
        state = walk(reader, report)
        _intents(root, state)
        _xmp(root, _resolve(reader.trailer.get("/Info")), report)
    except RecursionError:
        report.refused = T.text("refused.unreadable", error="RecursionError: objects nested too deeply")
    report.problems = list(dict.fromkeys(report.problems))
    return report


_KEPT: Kept[PdfaReport] = Kept(128)


def pdfa_report(data: bytes, digest: str | None = None) -> PdfaReport:
    """`check_pdfa`, plus the external validator's verdict when one is configured; kept per content hash
    (the same PDF is read by several socles: the MSSanté copy, the DMP N1 body, the ordonnance)."""
    from conformance.formats import preflight

    validator = preflight.active()
    key = f"{digest or hashlib.sha256(data).hexdigest()}|{validator.label if validator else ''}"

    def make() -> PdfaReport:
        report = check_pdfa(data)
        if validator is not None and report.refused is None:
            report.external = validator.validate(data)
        return report

    return _KEPT.get(key, make)
