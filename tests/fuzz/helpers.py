"""Hypothesis strategies around each artifact kind: valid artifacts mutated, and shapes generated from scratch.

Mutations work on real artifacts (the test builders' good CDA, SOAP envelope with its VIHF, e-mail,
IHE_XDM zip, PDF, FHIR Bundle), so that the fuzzer reaches the checks behind the readers and not only
the first parse: byte edits (splice hostile tokens, cut, duplicate, flip), structural edits of the XML
tree (text, attributes, duplicated or removed elements, deeper nesting), zip entries with any name,
flag and payload, MIME trees of any shape, JSON of any shape and any number.

`judge(name, data)` is the invariant every test asserts: a verdict, no crashed check, bounded time
and memory.
"""

from __future__ import annotations

import base64
import copy
import io
import json
import resource
import time
import warnings
import zipfile
from functools import cache
from typing import Any

from hypothesis import strategies as st
from lxml import etree

from conformance.engine.validate import FileResult, validate_bytes
from conformance.formats.pki import TestPKI, pki_cache_dir
from conformance.model import Artifact, CheckContext, Finding
from conformance.paths import fixtures_dir
from conformance.registry import run_checks
from conformance.socle import load_all_checks
from conformance.socles.dmp.build.vihf import VihfInput, signed_vihf
from conformance.socles.dmp.build.xds import envelope
from tests.socles.dmp.helpers import cda_root, make_pdf, pnr_root, to_bytes
from tests.socles.mssante.helpers import build_message, xdm_zip

SECONDS = 10.0  # one artifact, whatever it is
RSS_MB = 1500  # the test process, whatever it was fed
VERDICTS = {"pass", "warn", "fail", "not-applicable"}
HOSTILE_TOKENS = [
    b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>",
    b"&e;",
    b"<![CDATA[",
    b"]]>",
    b"<!--",
    b"\x00",
    b"\xff\xfe",
    b"<",
    b">",
    b"&#0;",
    b"&#x110000;",
    b'"',
    b"\r\n--boundary--\r\n",
    b"=?utf-8?B?AAAA?=",
    b"9" * 5000,
    b"[" * 300,
    b"{" * 300,
    b"\\ud800",
    b"%PDF-1.7",
    b"PK\x03\x04",
    b"/Filter /FlateDecode",
]


def judge_kind(kind: str, data: bytes) -> list[Finding]:
    """The same invariant for a kind only scenarios produce (not sniffed from a file): run_checks directly."""
    load_all_checks()
    started = time.perf_counter()
    found = run_checks(Artifact(kind, kind + ".json", data), CheckContext())
    crashed = [f.message_en for f in found if f.requirement == "HARNESS-CHECK"]
    assert not crashed, crashed
    assert found and all(f.verdict.value in VERDICTS and f.message_en and f.message_fr for f in found)
    assert time.perf_counter() - started < SECONDS
    return found


def judge(name: str, data: bytes) -> FileResult:
    """validate `data` and assert the invariant: a verdict, no crashed check, bounded time and memory."""
    started = time.perf_counter()
    result = validate_bytes(name, data)
    seconds = time.perf_counter() - started
    crashed = [f.message_en for f in result.findings if f.requirement == "HARNESS-CHECK"]
    assert not crashed, crashed
    assert result.verdict in VERDICTS and result.findings, result.to_json()
    assert all(f.message_en and f.message_fr for f in result.findings)
    assert seconds < SECONDS, f"{seconds:.1f} s"
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    assert rss < RSS_MB, f"peak RSS {rss} MB"
    return result


# -- the artifacts mutated ----------------------------------------------------------------------------


@cache
def good_artifacts() -> dict[str, bytes]:
    pki = TestPKI.load_or_create(pki_cache_dir())
    vihf = signed_vihf(
        VihfInput(structure_id="1990000001", resource_id="238047505612394^^^&1.2.250.1.213.1.4.10&ISO^NH"),
        pki.signing_key.read_bytes(),
        pki.signing_cert.read_bytes(),
    )
    return {
        "cda.xml": to_bytes(cda_root()),
        "soap.xml": envelope(pnr_root(), vihf, "https://localhost/dmp"),
        "vihf.xml": etree.tostring(vihf),
        "message.eml": build_message(),
        "IHE_XDM.zip": xdm_zip(),
        "copie.pdf": make_pdf(),
        "bundle.json": (fixtures_dir() / "eprescription" / "ordonnance-good.json").read_bytes(),
    }


@st.composite
def byte_mutation(draw: st.DrawFn, data: bytes) -> bytes:
    """`data` with a few byte-level edits: hostile tokens spliced in, spans cut, duplicated or flipped."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(out)))
        op = draw(st.sampled_from(["insert", "cut", "duplicate", "flip", "random"]))
        if op == "insert":
            out[at:at] = draw(st.sampled_from(HOSTILE_TOKENS))
        elif op == "cut":
            out[at : at + draw(st.integers(1, 200))] = b""
        elif op == "duplicate":
            span = bytes(out[at : at + draw(st.integers(1, 500))])
            out[at:at] = span * draw(st.integers(1, 50))
        elif op == "flip" and at < len(out):
            out[at] ^= draw(st.integers(1, 255))
        else:
            out[at:at] = draw(st.binary(min_size=1, max_size=64))
    return bytes(out)


XML_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=200)


@st.composite
def xml_mutation(draw: st.DrawFn, data: bytes) -> bytes:
    """`data` (well-formed XML) with structural edits: text, attributes, elements duplicated, removed, nested."""
    root = etree.fromstring(data)
    elements = list(root.iter())
    for _ in range(draw(st.integers(1, 5))):
        el = draw(st.sampled_from(elements))
        op = draw(st.sampled_from(["text", "attribute", "duplicate", "remove", "nest", "comment"]))
        try:
            if op == "text":
                el.text = draw(XML_TEXT)
            elif op == "attribute" and el.attrib:
                el.set(draw(st.sampled_from(sorted(el.attrib))), draw(XML_TEXT))
            elif op == "duplicate" and el.getparent() is not None:
                el.addnext(copy.deepcopy(el))
            elif op == "remove" and el.getparent() is not None:
                el.getparent().remove(el)  # type: ignore[union-attr]
            elif op == "nest":
                inner = el
                for _ in range(draw(st.integers(1, 300))):
                    inner = etree.SubElement(inner, "nested")
            elif op == "comment":
                el.insert(
                    0,
                    etree.Comment(
                        draw(st.text(st.characters(exclude_characters="-", exclude_categories=("Cs",)), max_size=50))
                    ),
                )
        except ValueError:  # lxml refuses text it cannot serialise (control characters): the edit is skipped
            continue
    return etree.tostring(root)


# -- shapes generated from scratch -------------------------------------------------------------------------

ZIP_NAMES = st.one_of(
    st.sampled_from(
        [
            "IHE_XDM/SUBSET01/METADATA.XML",
            "IHE_XDM/SUBSET01/DOC0001.XML",
            "README.TXT",
            "INDEX.HTM",
            "../evil",
            "/abs",
            "a\\b",
            "C:x",
            "__MACOSX/._x",
        ]
    ),
    st.text(max_size=40).filter(lambda s: s != ""),
)


@st.composite
def zip_archive(draw: st.DrawFn) -> bytes:
    """A zip of any entries (names, flags, methods, payloads), sometimes with the good XDM's entries, sometimes cut."""
    buf = io.BytesIO()
    entries = draw(st.lists(st.tuples(ZIP_NAMES, st.binary(max_size=2000)), max_size=12))
    if draw(st.booleans()):
        with zipfile.ZipFile(io.BytesIO(good_artifacts()["IHE_XDM.zip"])) as good:
            entries += [(i.filename, good.read(i)) for i in good.infolist()]
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w") as zf:
        warnings.simplefilter("ignore", UserWarning)  # duplicate names are fair game
        for name, payload in entries:
            info = zipfile.ZipInfo(name.replace("\x00", "") or "x")
            info.compress_type = draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))
            info.flag_bits |= draw(st.sampled_from([0, 0, 1, 8]))
            try:
                zf.writestr(info, payload)
            except (ValueError, UnicodeEncodeError):
                continue
    data = buf.getvalue()
    if draw(st.booleans()):
        data = draw(byte_mutation(data))
    return data


HEADER_NAMES = st.sampled_from(
    [
        "Content-Type",
        "Content-Transfer-Encoding",
        "Content-Disposition",
        "Subject",
        "From",
        "To",
        "X-MSS-INS",
        "X-MSS-CODECDA",
    ]
)
HEADER_VALUES = st.one_of(
    st.sampled_from(
        [
            "multipart/mixed; boundary=b",
            "multipart/related; type=application/xop+xml",
            "text/plain; charset=x-unknown",
            "base64",
            "quoted-printable",
            "attachment; filename*0=a; filename*1=../b",
            "application/zip; name=IHE_XDM.zip",
        ]
    ),
    st.text(st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=300),
)
_PAYLOADS = st.one_of(
    st.binary(max_size=500),
    st.binary(max_size=300).map(base64.b64encode),
    st.builds(lambda: good_artifacts()["IHE_XDM.zip"]),
)


@st.composite
def mime_tree(draw: st.DrawFn, depth: int = 0) -> bytes:
    """A MIME entity of any shape: random headers, nested multiparts with their own boundaries, any payload."""
    headers = draw(st.lists(st.tuples(HEADER_NAMES, HEADER_VALUES), max_size=6))
    head = b"".join(f"{k}: {v}\r\n".encode("latin-1", "replace") for k, v in headers)
    if depth < 4 and draw(st.booleans()):
        boundary = draw(st.sampled_from(["b", "bb", "x--y", "=_part"])) + str(depth)
        parts = draw(st.lists(mime_tree(depth + 1), max_size=4))
        body = b"".join(b"--" + boundary.encode() + b"\r\n" + p + b"\r\n" for p in parts)
        body += b"--" + boundary.encode() + (b"--\r\n" if draw(st.booleans()) else b"\r\n")
        head += f"Content-Type: multipart/mixed; boundary={boundary}\r\n".encode()
    else:
        body = draw(_PAYLOADS)
    return head + b"\r\n" + body


@st.composite
def email_message(draw: st.DrawFn) -> bytes:
    base = (
        b"From: a@test-ci-sis.mssante.fr\r\nTo: b@test-ci-sis.mssante.fr\r\nMessage-ID: <f@z>\r\nMIME-Version: 1.0\r\n"
    )
    return base + draw(mime_tree())


JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=50),
    st.sampled_from(["Bundle", "MedicationRequest", "Patient", "urn:uuid:x", "#", "2026-13-45", "../x"]),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=6),
        st.dictionaries(
            st.sampled_from(
                [
                    "resourceType",
                    "entry",
                    "resource",
                    "id",
                    "reference",
                    "extension",
                    "url",
                    "value",
                    "coding",
                    "code",
                    "system",
                ]
            )
            | st.text(max_size=12),
            inner,
            max_size=6,
        ),
    ),
    max_leaves=40,
)


@st.composite
def fhir_json(draw: st.DrawFn) -> bytes:
    """A Bundle-shaped JSON of any content, the good ordonnance with a branch replaced, or raw JSON-ish text."""
    choice = draw(st.sampled_from(["shape", "graft", "raw"]))
    if choice == "shape":
        doc: Any = {"resourceType": "Bundle", "type": draw(st.sampled_from(["collection", "transaction", "x"]))}
        doc["entry"] = draw(st.lists(st.fixed_dictionaries({"resource": JSON_VALUES}), max_size=5))
        return json.dumps(doc).encode()
    if choice == "graft":
        doc = json.loads(good_artifacts()["bundle.json"])
        entry = draw(st.sampled_from(doc["entry"]))
        key = draw(st.sampled_from(sorted(entry["resource"])))
        entry["resource"][key] = draw(JSON_VALUES)
        return json.dumps(doc).encode()
    number = draw(st.sampled_from([b"1" * 5000, b"1e999", b"-0.0e-99999", b"NaN", b"0x10"]))
    return (
        b'{"resourceType": "Bundle", "total": '
        + number
        + b', "id": "'
        + draw(st.binary(max_size=20)).replace(b'"', b"")
        + b'"}'
    )


@cache
def _session_record() -> dict[str, Any]:
    from conformance.socles.mssante.service.records import ClientCertInfo, SessionRecord

    rec = SessionRecord("smtp-session#1", "smtp", "good", "127.0.0.1:1", "2026-01-01T00:00:00Z", 1024)
    for verb, args in (("EHLO", "x"), ("STARTTLS", ""), ("MAIL", "FROM:<a@b>"), ("RCPT", "TO:<c@d>"), ("DATA", "")):
        cmd = rec.command(verb, args)
        assert cmd is not None
        cmd.reply_code, cmd.reply = 250, "ok"
    rec.tls_version, rec.cipher = "TLSv1.3", "TLS_AES_256_GCM_SHA384"
    rec.client_cert = ClientCertInfo("CN=x", "CN=y", ["a@b"], True, True, True, "00", "2030", [], "a@b")
    txn = rec.transaction("a@b", {"SIZE": "10"})
    txn.command = 3
    result: dict[str, Any] = rec.to_json()
    return result


OBSERVED = {
    "smtp-session": _session_record,
    "imap-session": _session_record,
    "dmp-exchange": lambda: {
        "outcome": {"status": "error", "detail": "x"},
        "registry": {"status": "Failure", "errors": [{"errorCode": "X", "codeContext": "y"}]},
    },
    "dmp-step": lambda: {"td02": [{"status": 200}], "feed": True},
    "dmp-chain": lambda: {"old": "1.2", "new": "1.3", "entries": []},
}


@st.composite
def observed_record(draw: st.DrawFn, kind: str) -> bytes:
    """A record of `kind` with branches replaced by any JSON, or its bytes mutated."""
    record = json.loads(json.dumps(OBSERVED[kind]()))
    for _ in range(draw(st.integers(0, 4))):
        key = draw(st.sampled_from(sorted(record)))
        record[key] = draw(JSON_VALUES)
    data = json.dumps(record).encode()
    return draw(byte_mutation(data)) if draw(st.booleans()) else data
