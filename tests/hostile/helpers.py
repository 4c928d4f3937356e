"""A generator of hostile files for every artifact kind, each with the outcome the harness owes it.

Families (DESIGN.md's trust rules, issue 13's list): XML entity attacks (XXE, parameter entities,
billion laughs), DTDs near and far and in UTF-16, depth and width bombs, malformed and mis-encoded
XML, for the CDA, SOAP and VIHF roots; VIHF signature wrapping, comments in signed values, SHA-1,
missing signatures; MTOM packages with missing roots, unresolved includes, part floods; MIME depth,
part floods, boundary and header abuse, RFC 2231 and encoded-word bombs, path-traversal names;
zip bombs, zip slip, NUL and Unicode-Path names, symlinks, duplicates, encryption, lying sizes,
overlapping entries, nested archives and hostile XML inside; PDF truncation, Flate bombs, xref
loops, deep arrays, active content; FHIR JSON numbers, depth, width, surrogates, duplicates.

`corpus()` builds them in memory (a few seconds); `write(folder)` writes every file and
`expected.json`. An expectation is either a refusal (these rules must fail) or "judged" (any
verdict, as long as no check crashed): never a traceback, a hang, or a read outside the file.
"""

from __future__ import annotations

import io
import json
import struct
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from lxml import etree

from conformance.formats.pki import TestPKI, pki_cache_dir
from conformance.registry import refusal_rule
from conformance.socle import installed_socles, load_all_checks
from conformance.socles.dmp.build.vihf import SAML, VihfInput, sign_assertion, unsigned_assertion
from conformance.socles.dmp.build.xds import envelope
from tests.socles.dmp.helpers import cda_root, make_pdf, pnr_root, to_bytes
from tests.socles.mssante.helpers import Doc, build_message, cda_bytes, xdm_zip

PATIENT_CX = "238047505612394^^^&1.2.250.1.213.1.4.10&ISO^NH"
SECRET = "/etc/passwd"  # what an entity attack would read; its content must never appear in a finding


@dataclass(frozen=True)
class Hostile:
    name: str  # file name (its extension is the kind a careless tool would believe)
    family: str
    data: bytes = field(repr=False)
    kind: str  # the kind validate must see
    fails: frozenset[str] = frozenset()  # the rules a refusal must fail; empty: judged, any verdict

    def expectation(self) -> dict[str, object]:
        return {"family": self.family, "kind": self.kind, "fails": sorted(self.fails)}


@cache
def refusal(kind: str) -> frozenset[str]:
    """The rules that fail when `kind` cannot be read: each installed socle's reader refusal rule."""
    load_all_checks()
    found = {refusal_rule(kind, [s]) for s in installed_socles()}
    return frozenset(r for r in found if r)


# -- XML, for each root kind ---------------------------------------------------------------------------

ROOTS = {
    "cda": ("ClinicalDocument", "urn:hl7-org:v3"),
    "soap": ("Envelope", "http://www.w3.org/2003/05/soap-envelope"),
    "vihf": ("Assertion", SAML),
}


def _doc(kind: str, prolog: bytes = b"", body: bytes = b"") -> bytes:
    tag, ns = ROOTS[kind]
    return (
        b'<?xml version="1.0"?>'
        + prolog
        + b"<"
        + tag.encode()
        + b' xmlns="'
        + ns.encode()
        + b'">'
        + body
        + b"</"
        + tag.encode()
        + b">"
    )


def _laughs(depth: int = 9) -> bytes:
    decls = b'<!ENTITY l0 "lol">' + b"".join(
        b'<!ENTITY l%d "%s">' % (i, b"&l%d;" % (i - 1) * 10) for i in range(1, depth + 1)
    )
    return decls


FAR = b"<!--" + b"x" * 70_000 + b"-->"


def xml_family() -> Iterator[Hostile]:
    for kind in ROOTS:
        tag = ROOTS[kind][0].encode()
        refused = refusal(kind)
        cases: dict[str, bytes] = {
            "xxe-file": _doc(
                kind, b"<!DOCTYPE " + tag + b' [<!ENTITY e SYSTEM "file://' + SECRET.encode() + b'">]>', b"&e;"
            ),
            "xxe-parameter": _doc(
                kind, b"<!DOCTYPE " + tag + b' [<!ENTITY % p SYSTEM "file://' + SECRET.encode() + b'"> %p;]>'
            ),
            "xxe-http": _doc(kind, b"<!DOCTYPE " + tag + b' [<!ENTITY e SYSTEM "http://127.0.0.1:9/x">]>', b"&e;"),
            "billion-laughs": _doc(kind, b"<!DOCTYPE " + tag + b" [" + _laughs() + b"]>", b"&l9;"),
            "quadratic-blowup": _doc(
                kind, b"<!DOCTYPE " + tag + b' [<!ENTITY a "' + b"x" * 50_000 + b'">]>', b"&a;" * 1000
            ),
            "external-dtd": _doc(kind, b"<!DOCTYPE " + tag + b' SYSTEM "file://' + SECRET.encode() + b'">'),
            "external-dtd-far": _doc(kind, FAR + b"<!DOCTYPE " + tag + b' SYSTEM "file://' + SECRET.encode() + b'">'),
            "public-dtd-far": _doc(kind, FAR + b"<!DOCTYPE " + tag + b' PUBLIC "-//x//y" "http://127.0.0.1:9/y.dtd">'),
            "attlist-id-injection-far": _doc(
                kind, FAR + b"<!DOCTYPE " + tag + b" [<!ATTLIST " + tag + b" ID ID #IMPLIED>]>"
            ),
            "utf16-external-dtd": (
                '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE '
                + tag.decode()
                + ' SYSTEM "file:///etc/passwd"><'
                + tag.decode()
                + ' xmlns="'
                + ROOTS[kind][1]
                + '"/>'
            ).encode("utf-16"),
            "deep-nesting": _doc(kind, body=b"<a>" * 5000 + b"</a>" * 5000),
            "truncated": _doc(kind, body=b"<a><b>")[:-10],
            "invalid-utf8": _doc(kind, body=b"<a>\xff\xfe\xc3</a>"),
            "nul-character": _doc(kind, body=b"<a>\x00</a>"),
            "unbound-prefix": _doc(kind, body=b"<evil:a/>"),
        }
        # UTF-16 (the sniffer reads ASCII-compatible heads) hides the root: the file's kind is then unknown,
        # itself a refusal (HARNESS-KIND); a DOCTYPE far in the prologue does not (the streaming sniff reads
        # on), the reader refuses it as it refuses a near one
        far_doctype = {"utf16-external-dtd"}
        for case, data in cases.items():
            k, rules = ("unknown", frozenset({"HARNESS-KIND"})) if case in far_doctype else (kind, refused)
            yield Hostile(f"{kind}-{case}.xml", "xml", data, k, rules)
        wide = _doc(kind, body=b"<a " + b" ".join(b"x%d='1'" % i for i in range(50_000)) + b"/>")
        yield Hostile(f"{kind}-many-attributes.xml", "xml", wide, kind)
        yield Hostile(f"{kind}-huge-text.xml", "xml", _doc(kind, body=b"<a>" + b"y" * 5_000_000 + b"</a>"), kind)
        xinclude = (
            b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file://'
            + SECRET.encode()
            + b'" parse="text"/>'
        )
        yield Hostile(f"{kind}-xinclude.xml", "xml", _doc(kind, body=xinclude), kind)
        stylesheet = b'<?xml-stylesheet type="text/xsl" href="file:///etc/passwd"?>'
        yield Hostile(f"{kind}-stylesheet-pi.xml", "xml", _doc(kind, prolog=stylesheet), kind)


# -- VIHF signatures -------------------------------------------------------------------------------------


@cache
def _pki() -> TestPKI:
    return TestPKI.load_or_create(pki_cache_dir())


def _signed(tweak: Callable[[etree._Element], None] | None = None) -> etree._Element:
    pki = _pki()
    a = unsigned_assertion(
        VihfInput(structure_id="1990000001", resource_id=PATIENT_CX), pki.certificate("signing_cert")
    )
    if tweak:
        tweak(a)
    return sign_assertion(a, pki.signing_key.read_bytes(), pki.signing_cert.read_bytes())


def _value(a: etree._Element, text: str) -> etree._Element:
    return next(v for v in a.iter(f"{{{SAML}}}AttributeValue") if v.text == text)


def vihf_family() -> Iterator[Hostile]:
    v02 = frozenset({"DMP-V02"})
    wrapped = _signed()
    evil = etree.fromstring(etree.tostring(wrapped))
    _value(evil, "urn:dmp").text = "urn:evil"
    envelope = etree.Element(f"{{{SAML}}}Assertion", ID="_outer", Version="2.0", IssueInstant="2026-01-01T00:00:00Z")
    envelope.append(wrapped)
    yield Hostile("vihf-wrapped-in-another.xml", "vihf", etree.tostring(envelope), "vihf", v02)
    tampered = _signed()
    _value(tampered, "urn:dmp").text = "urn:evil"
    yield Hostile("vihf-value-changed-after-signing.xml", "vihf", etree.tostring(tampered), "vihf", v02)
    sig = wrapped.find("{http://www.w3.org/2000/09/xmldsig#}Signature")
    moved = etree.fromstring(etree.tostring(evil))
    for old in moved.findall("{http://www.w3.org/2000/09/xmldsig#}Signature"):
        moved.remove(old)
    if sig is not None:
        moved.append(etree.fromstring(etree.tostring(sig)))
    yield Hostile("vihf-signature-moved.xml", "vihf", etree.tostring(moved), "vihf", v02)
    unsigned = unsigned_assertion(
        VihfInput(structure_id="1", resource_id=PATIENT_CX), _pki().certificate("signing_cert")
    )
    yield Hostile("vihf-unsigned.xml", "vihf", etree.tostring(unsigned), "vihf", v02)

    def comment(a: etree._Element) -> None:
        v = _value(a, "urn:dmp")
        v.text = "urn:"
        v.append(etree.Comment("injected"))
        v[-1].tail = "dmp"

    yield Hostile("vihf-comment-in-signed-value.xml", "vihf", etree.tostring(_signed(comment)), "vihf")
    bad_cert = etree.fromstring(etree.tostring(_signed()))
    cert_el = bad_cert.find(".//{http://www.w3.org/2000/09/xmldsig#}X509Certificate")
    if cert_el is not None:
        cert_el.text = "!!not base64!!"
    yield Hostile("vihf-certificate-garbage.xml", "vihf", etree.tostring(bad_cert), "vihf", v02)


# -- SOAP / MTOM ------------------------------------------------------------------------------------------


KIND = frozenset({"HARNESS-KIND"})


def _mtom(parts: list[tuple[str, bytes]], start: str = "<root>", boundary: str = "b0undary") -> bytes:
    out = b""
    for cid, data in parts:
        part_type = 'Content-Type: application/xop+xml; type="application/soap+xml"'
        out += f"--{boundary}\r\n{part_type}\r\nContent-ID: {cid}\r\n\r\n".encode()
        out += data + b"\r\n"
    head = (
        f'Content-Type: multipart/related; type="application/xop+xml"; start="{start}"; '
        f'start-info="application/soap+xml"; boundary="{boundary}"\r\n\r\n'
    ).encode()
    return head + out + f"--{boundary}--\r\n".encode()


def soap_family() -> Iterator[Hostile]:
    env = envelope(pnr_root(), _signed(), "https://localhost/dmp")
    t01 = refusal("soap")
    # validate does not recognise a saved MTOM request as SOAP (HARNESS-KIND: a failing, named answer);
    # the mock DMP parses these very bytes in tests/socles/dmp
    yield Hostile("mtom-missing-root.mime", "mtom", _mtom([("<other>", env)]), "unknown", KIND)
    dangling = env.replace(
        b"</xdsb:ProvideAndRegisterDocumentSetRequest>",
        b'<xdsb:Document id="D"><xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:nowhere"/>'
        b"</xdsb:Document></xdsb:ProvideAndRegisterDocumentSetRequest>",
    )
    yield Hostile("mtom-unresolved-include.mime", "mtom", _mtom([("<root>", dangling)]), "unknown", KIND)
    yield Hostile(
        "mtom-part-flood.mime", "mtom", _mtom([("<root>", env)] + [(f"<p{i}>", b"x") for i in range(5000)]), "unknown"
    )
    yield Hostile("mtom-no-closing-boundary.mime", "mtom", _mtom([("<root>", env)])[:-16], "unknown")
    yield Hostile(
        "mtom-root-xxe.mime",
        "mtom",
        _mtom([("<root>", _doc("soap", b'<!DOCTYPE Envelope [<!ENTITY e SYSTEM "file:///etc/passwd">]>', b"&e;"))]),
        "unknown",
        KIND,
    )
    yield Hostile(
        "mtom-header-10mb.mime",
        "mtom",
        _mtom([("<root>", env)]).replace(
            b"Content-ID: <root>", b"X-Long: " + b"h" * 1_000_000 + b"\r\nContent-ID: <root>"
        ),
        "unknown",
    )
    yield Hostile(
        "soap-two-assertions.xml",
        "soap",
        env.replace(b"</wsse:Security>", etree.tostring(_signed()) + b"</wsse:Security>"),
        "soap",
        frozenset({"DMP-V01"}),
    )
    yield Hostile(
        "soap-body-deep.xml",
        "soap",
        _doc("soap", body=b"<Body>" + b"<x>" * 400 + b"</x>" * 400 + b"</Body>"),
        "soap",
        t01,
    )


# -- MIME (e-mail) ----------------------------------------------------------------------------------------


def _mail(headers: bytes, body: bytes) -> bytes:
    base = (
        b"From: a@test-ci-sis.mssante.fr\r\nTo: b@test-ci-sis.mssante.fr\r\nSubject: x\r\nMessage-ID: <x@y>\r\n"
        b"Date: Fri, 20 Nov 2026 09:30:00 +0000\r\nMIME-Version: 1.0\r\n"
    )
    return base + headers + b"\r\n" + body


def _nested(depth: int) -> bytes:
    body = b"leaf"
    for i in range(depth):
        b = f"b{i}".encode()
        body = (
            b"Content-Type: multipart/mixed; boundary="
            + b
            + b"\r\n\r\n--"
            + b
            + b"\r\n"
            + body
            + b"\r\n--"
            + b
            + b"--\r\n"
        )
    return body


def mime_family() -> Iterator[Hostile]:
    msg01 = refusal("email")
    good = build_message()
    yield Hostile("mail-nested-200.eml", "mime", _mail(b"", _nested(200)), "email")
    parts = b"".join(b"--p\r\nContent-Type: text/plain\r\n\r\nx\r\n" for _ in range(5000)) + b"--p--\r\n"
    yield Hostile(
        "mail-part-flood.eml", "mime", _mail(b"Content-Type: multipart/mixed; boundary=p\r\n", parts), "email"
    )
    yield Hostile(
        "mail-no-boundary.eml", "mime", _mail(b"Content-Type: multipart/mixed\r\n", b"--x\r\nhi\r\n--x--"), "email"
    )
    yield Hostile(
        "mail-header-1mb.eml", "mime", _mail(b"X-Long: " + b"a" * 1_000_000 + b"\r\n", b"body"), "email", msg01
    )
    yield Hostile(
        "mail-content-type-64k.eml",
        "mime",
        _mail(b"Content-Type: text/plain; " + b"; ".join(b"p%d=v" % i for i in range(8000)) + b"\r\n", b"x"),
        "email",
    )
    yield Hostile(
        "mail-bad-base64.eml",
        "mime",
        _mail(b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n", b"!!!!not base64$$$$"),
        "email",
    )
    encoded = b" ".join(b"=?utf-8?B?" + b"QUFB" * 10 + b"?=" for _ in range(5000))
    yield Hostile("mail-encoded-word-bomb.eml", "mime", _mail(b"X-Words: " + encoded + b"\r\n", b"x"), "email")
    continuation = b"; ".join(b"filename*%d=part%d" % (i, i) for i in range(3000))
    yield Hostile(
        "mail-rfc2231-bomb.eml",
        "mime",
        _mail(
            b"Content-Type: multipart/mixed; boundary=q\r\n",
            b"--q\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; "
            + continuation
            + b"\r\n\r\nx\r\n--q--\r\n",
        ),
        "email",
    )
    traversal = good.replace(b'filename="IHE_XDM.zip"', b'filename="../../../etc/IHE_XDM.zip"')
    yield Hostile("mail-attachment-traversal.eml", "mime", traversal, "email")
    yield Hostile("mail-nul-in-headers.eml", "mime", _mail(b"X-Nul: a\x00b\r\n", b"x"), "email")
    yield Hostile(
        "mail-unknown-charset.eml",
        "mime",
        _mail(b"Content-Type: text/plain; charset=x-evil-42\r\n", b"\xe9t\xe9"),
        "email",
    )
    rfc822 = _mail(
        b"Content-Type: message/rfc822\r\n", _mail(b"Content-Type: message/rfc822\r\n", _mail(b"", b"inner"))
    )
    yield Hostile("mail-rfc822-nesting.eml", "mime", rfc822, "email")
    yield Hostile(
        "mail-8bit-garbage.eml",
        "mime",
        _mail(b"Subject: \xff\xfe\xfd\r\nX-Bin: \x80\x81\r\n", b"\x00\x01\x02"),
        "email",
    )
    yield Hostile("mail-no-crlf-10mb.eml", "mime", _mail(b"", b"z" * 10_000_000), "email")
    yield Hostile("mail-with-zip-bomb.eml", "mime", build_message(zip_bytes=_deflate_bomb()), "email")


# -- zip (IHE_XDM) -----------------------------------------------------------------------------------------


def _zip(entries: list[tuple[zipfile.ZipInfo | str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w", method) as zf:
        warnings.simplefilter("ignore", UserWarning)  # duplicate names are one of the attacks
        for info, data in entries:
            zf.writestr(info, data)
    return buf.getvalue()


MB = 1024 * 1024


@cache
def _zero_block() -> bytes:
    """Raw deflate of 1 MiB of zeros ending on a full flush: the same bytes each time, so blocks can repeat."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    return comp.compress(bytes(MB)) + comp.flush(zlib.Z_FULL_FLUSH)


@cache
def _zeros_checksums(megabytes: int) -> tuple[int, int]:
    """(CRC-32, Adler-32) of `megabytes` MiB of zeros."""
    crc, adler, chunk = 0, 1, bytes(MB)
    for _ in range(megabytes):
        crc, adler = zlib.crc32(chunk, crc), zlib.adler32(chunk, adler)
    return crc, adler


def zeros_deflate(megabytes: int, *, zlib_wrapped: bool = False) -> bytes:
    """`megabytes` MiB of zeros compressed about 1000:1 (raw deflate, or zlib-wrapped as PDF's FlateDecode)."""
    body = _zero_block() * megabytes + b"\x03\x00"  # the final, empty, fixed-Huffman block
    if not zlib_wrapped:
        return body
    return b"\x78\xda" + body + struct.pack(">L", _zeros_checksums(megabytes)[1])


@cache
def _deflate_bomb(megabytes: int = 300) -> bytes:
    """An archive whose one entry inflates to `megabytes` MiB of zeros, written with struct: zipfile's
    writer compresses what it is given, and a bomb must not be built by inflating one."""
    body, size = zeros_deflate(megabytes), megabytes * MB
    crc = _zeros_checksums(megabytes)[0]
    name = b"IHE_XDM/SUBSET01/DOC0001.XML"
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(body), size, len(name), 0) + name
    central = struct.pack(
        "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(body), size, len(name), 0, 0, 0, 0, 0, 0
    )
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central) + len(name), len(local) + len(body), 0)
    return local + body + central + name + end


def _renamed(data: bytes, placeholder: bytes, raw: bytes) -> bytes:
    assert len(placeholder) == len(raw)
    return data.replace(placeholder, raw)


def zip_family() -> Iterator[Hostile]:
    xdm01 = refusal("xdm")
    good = xdm_zip()
    readme = [("IHE_XDM/SUBSET01/README.TXT", b"x")]
    yield Hostile("zip-deflate-bomb.zip", "zip", _deflate_bomb(), "xdm", xdm01)
    yield Hostile("zip-slip.zip", "zip", _zip([("../../evil.txt", b"x"), *readme]), "xdm", xdm01)
    yield Hostile("zip-absolute.zip", "zip", _zip([("/etc/passwd", b"x"), *readme]), "xdm", xdm01)
    yield Hostile("zip-backslash.zip", "zip", _zip([("IHE_XDM\\..\\evil.txt", b"x"), *readme]), "xdm", xdm01)
    yield Hostile("zip-drive-letter.zip", "zip", _zip([("C:/windows/evil.txt", b"x"), *readme]), "xdm", xdm01)
    nul = _renamed(_zip([("IHE_XDM/SUBSET01/DOCZZZZ.XML", b"<x/>"), *readme]), b"DOCZZZZ", b"DOC\x00../")
    yield Hostile("zip-nul-name.zip", "zip", nul, "xdm", xdm01)
    stored, clean = b"DOC\x00/../x.xml", b"DOC0001.XML"
    info = zipfile.ZipInfo("DOCZZZZZZZZZZ")
    info.extra = struct.pack("<HHBL", 0x7075, 5 + len(clean), 1, zlib.crc32(stored)) + clean
    yield Hostile(
        "zip-unicode-path-hides-nul.zip",
        "zip",
        _renamed(_zip([(info, b"<x/>")]), b"DOCZZZZZZZZZZ", stored),
        "xdm",
        xdm01,
    )
    yield Hostile(
        "zip-duplicates.zip",
        "zip",
        _zip([("IHE_XDM/SUBSET01/A.XML", b"1"), ("IHE_XDM/SUBSET01/A.XML", b"2")]),
        "xdm",
        xdm01,
    )
    yield Hostile(
        "zip-2000-entries.zip",
        "zip",
        _zip([(f"IHE_XDM/SUBSET01/F{i}.TXT", b"") for i in range(2000)], zipfile.ZIP_STORED),
        "xdm",
        xdm01,
    )
    encrypted = bytearray(_zip([("IHE_XDM/SUBSET01/README.TXT", b"secret")]))
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = encrypted.find(sig)
        struct.pack_into("<H", encrypted, at + off, 1)
    yield Hostile("zip-encrypted.zip", "zip", bytes(encrypted), "xdm", xdm01)
    low = bytearray(good)
    struct.pack_into("<I", low, low.find(b"PK\x01\x02") + 24, 10)
    yield Hostile("zip-size-lies-low.zip", "zip", bytes(low), "xdm", xdm01)
    high = bytearray(good)
    struct.pack_into("<I", high, high.find(b"PK\x01\x02") + 24, 3_000_000_000)
    yield Hostile("zip-size-lies-high.zip", "zip", bytes(high), "xdm", xdm01)
    inner = _zip([("IHE_XDM/SUBSET01/INNER.ZIP", _deflate_bomb(50)), *readme])
    yield Hostile("zip-nested-bomb.zip", "zip", inner, "xdm", xdm01)
    corrupt = bytearray(good)
    corrupt[60:120] = b"\xff" * 60
    yield Hostile("zip-corrupt-stream.zip", "zip", bytes(corrupt), "xdm", xdm01)
    yield Hostile("zip-truncated.zip", "zip", good[: len(good) // 2], "xdm", xdm01)
    link = zipfile.ZipInfo("IHE_XDM/SUBSET01/DOC0001.XML")
    link.external_attr = 0o120777 << 16  # a symbolic link to the secret
    yield Hostile("zip-symlink.zip", "zip", _zip([(link, SECRET.encode()), *readme]), "xdm", xdm01)
    yield Hostile(
        "zip-macos-junk.zip", "zip", xdm_zip(extra={"__MACOSX/._DOC0001.XML": b"\x00" * 10, ".DS_Store": b"x"}), "xdm"
    )
    laughs = b"<?xml version='1.0'?><!DOCTYPE r [" + _laughs() + b"]><r>&l9;</r>"
    yield Hostile("zip-metadata-billion-laughs.zip", "zip", xdm_zip(metadata=laughs), "xdm", frozenset({"MSS-XDM-02"}))
    xxe = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>'
    yield Hostile("zip-metadata-xxe.zip", "zip", xdm_zip(metadata=xxe), "xdm", frozenset({"MSS-XDM-02"}))
    hostile_cda = xxe.replace(b"<r>&e;</r>", b"<ClinicalDocument xmlns='urn:hl7-org:v3'>&e;</ClinicalDocument>")
    yield Hostile("zip-cda-xxe.zip", "zip", xdm_zip(cda=lambda _d: hostile_cda), "xdm")
    overlap = _overlapping()
    yield Hostile("zip-overlapping-entries.zip", "zip", overlap, "xdm", xdm01)
    comment = bytearray(good)
    yield Hostile("zip-long-comment.zip", "zip", bytes(comment[:-2]) + struct.pack("<H", 65535) + b"c" * 65535, "xdm")


def _overlapping() -> bytes:
    """Two central-directory entries pointing at the same local file (the overlapping-files bomb shape)."""
    data = _zip([("IHE_XDM/SUBSET01/A.XML", b"<a/>" * 1000)])
    cd_at = data.find(b"PK\x01\x02")
    end_at = data.find(b"PK\x05\x06")
    entry = data[cd_at:end_at]
    twin = entry.replace(b"A.XML", b"B.XML")
    end = bytearray(data[end_at:])
    struct.pack_into("<HHL", end, 8, 2, 2, len(entry) * 2)
    return data[:cd_at] + entry + twin + bytes(end)


# -- PDF ---------------------------------------------------------------------------------------------------


def _pdf(objects: list[bytes], root: int = 1) -> bytes:
    """A PDF of these objects (1-based numbers) with a correct xref table, whatever they say."""
    chunks, offsets, size = [b"%PDF-1.7\n"], [], 9
    for i, obj in enumerate(objects, start=1):
        offsets.append(size)
        chunk = b"%d 0 obj\n" % i + obj + b"\nendobj\n"
        chunks.append(chunk)
        size += len(chunk)
    chunks.append(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    chunks.extend(b"%010d 00000 n \n" % o for o in offsets)
    chunks.append(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, size))
    return b"".join(chunks)


def pdf_family() -> Iterator[Hostile]:
    pdf_refused = refusal("pdf")
    good = make_pdf()
    catalog = b"<< /Type /Catalog /Pages 2 0 R >>"
    pages = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>"
    big = zeros_deflate(200, zlib_wrapped=True)
    bomb = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(big) + big + b"\nendstream"
    yield Hostile("pdf-flate-bomb.pdf", "pdf", _pdf([catalog, pages, page, bomb]), "pdf")
    yield Hostile("pdf-truncated.pdf", "pdf", good[: len(good) // 3], "pdf", pdf_refused)
    yield Hostile("pdf-header-only.pdf", "pdf", b"%PDF-1.4\n", "pdf", pdf_refused)
    deep = b"<< /Type /Catalog /Pages 2 0 R /X " + b"[" * 20_000 + b"]" * 20_000 + b" >>"
    yield Hostile(
        "pdf-deep-arrays.pdf", "pdf", _pdf([deep, pages, page, b"<< /Length 0 >>\nstream\n\nendstream"]), "pdf"
    )
    loop = _pdf([catalog, pages, page, b"<< /Length 0 >>\nstream\n\nendstream"])
    looped = loop.replace(
        b"trailer\n<< /Size 5 /Root 1 0 R >>", b"trailer\n<< /Size 5 /Root 1 0 R /Prev %d >>" % loop.find(b"xref")
    )
    yield Hostile("pdf-xref-loop.pdf", "pdf", looped, "pdf")
    js = (
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert(1)) >>"
        b" /AA << /O << /S /Launch /F (cmd.exe) >> >> >>"
    )
    yield Hostile(
        "pdf-javascript-launch.pdf", "pdf", _pdf([js, pages, page, b"<< /Length 0 >>\nstream\n\nendstream"]), "pdf"
    )
    selfref = b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"
    yield Hostile(
        "pdf-page-tree-cycle.pdf", "pdf", _pdf([catalog, selfref, page, b"<< /Length 0 >>\nstream\n\nendstream"]), "pdf"
    )
    lying = _pdf([catalog, pages, page, b"<< /Length 999999999 >>\nstream\nabc\nendstream"])
    yield Hostile("pdf-length-lies.pdf", "pdf", lying, "pdf")
    many = [catalog, pages, page] + [b"<< /N %d >>" % i for i in range(100_000)]
    yield Hostile("pdf-100k-objects.pdf", "pdf", _pdf(many), "pdf")
    enc = good.replace(b"trailer", b"trailer\n<< /Encrypt << /Filter /Standard /V 5 /R 6 >> >>\n", 1)
    yield Hostile("pdf-fake-encryption.pdf", "pdf", enc, "pdf")


# -- FHIR JSON ---------------------------------------------------------------------------------------------


def fhir_family() -> Iterator[Hostile]:
    ep01 = refusal("fhir")
    head = b'{"resourceType": "Bundle", '
    cases = {
        "integer-5000-digits": head + b'"total": ' + b"9" * 5000 + b"}",
        "decimal-1e999": head + b'"total": 1e999}',
        "long-decimal": head + b'"total": 0.' + b"0" * 500 + b"1}",
        "nan": head + b'"total": NaN}',
        "depth-10000": head + b'"x": ' + b"[" * 10_000 + b"]" * 10_000 + b"}",
        "entries-100k": head + b'"entry": [' + b",".join([b"{}"] * 100_000) + b"]}",
        "duplicate-keys": head + b'"type": "a", "type": "b"}',
        "lone-surrogate": head + b'"id": "\\ud800"}',
        "invalid-utf8": head + b'"id": "\xff\xfe"}',
        "bom-garbage": b"\xef\xbb\xbf" + head + b"\x00\x01}",
        "string-9mb": head + b'"id": "' + b"s" * 9_000_000 + b'"}',
        "truncated": head + b'"entry": [{"resource": {"resourceType": "Patient"',
    }
    for case, data in cases.items():
        yield Hostile(f"fhir-{case}.json", "json", data, "fhir", ep01)
    contained: dict[str, object] = {"resourceType": "Patient"}
    for _ in range(60):
        contained = {"resourceType": "Patient", "contained": [contained]}
    yield Hostile(
        "fhir-contained-60.json",
        "json",
        json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": contained}]}).encode(),
        "fhir",
        ep01,
    )
    loop = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "urn:uuid:a",
                "resource": {"resourceType": "MedicationRequest", "basedOn": [{"reference": "urn:uuid:b"}]},
            },
            {
                "fullUrl": "urn:uuid:b",
                "resource": {"resourceType": "MedicationRequest", "basedOn": [{"reference": "urn:uuid:a"}]},
            },
        ],
    }
    yield Hostile("fhir-reference-loop.json", "json", json.dumps(loop).encode(), "fhir")
    local = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": "file:///etc/passwd", "resource": {"resourceType": "Patient", "id": "p"}}],
    }
    yield Hostile("fhir-file-fullurl.json", "json", json.dumps(local).encode(), "fhir")
    ext: dict[str, object] = {"url": "http://x", "valueString": "v"}
    for _ in range(40):
        ext = {"url": "http://x", "extension": [ext]}
    yield Hostile(
        "fhir-nested-extensions.json",
        "json",
        json.dumps({"resourceType": "Bundle", "type": "collection", "extension": [ext]}).encode(),
        "fhir",
    )


# -- CDA-specific ------------------------------------------------------------------------------------------


def cda_family() -> Iterator[Hostile]:
    flate = zeros_deflate(100, zlib_wrapped=True)
    stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(flate) + flate + b"\nendstream"
    pages = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>", stream]
    pdf_bomb_cda = to_bytes(cda_root(_pdf(pages)))
    yield Hostile("cda-n1-pdf-bomb.xml", "cda", pdf_bomb_cda, "cda")
    bad64 = to_bytes(cda_root()).replace(b'representation="B64"', b'representation="B64" ')
    bad64 = bad64.replace(b"JVBER", b"!!!!!", 1)
    yield Hostile("cda-n1-bad-base64.xml", "cda", bad64, "cda")
    odd = to_bytes(cda_root()).replace(
        b"</ClinicalDocument>", b'<x codeSystem="../../../../etc/hosts" code="1"/></ClinicalDocument>'
    )
    yield Hostile("cda-code-system-path.xml", "cda", odd, "cda")
    yield Hostile("cda-mssante-doc-huge-ids.xml", "cda", cda_bytes(Doc(code="x" * 100_000)), "cda")


def corpus() -> list[Hostile]:
    out = [
        *xml_family(),
        *vihf_family(),
        *soap_family(),
        *mime_family(),
        *zip_family(),
        *pdf_family(),
        *fhir_family(),
        *cda_family(),
    ]
    names = [h.name for h in out]
    assert len(names) == len(set(names)), "hostile file names must be unique"
    return out


def write(folder: Path) -> list[Hostile]:
    """Write every hostile file and `expected.json` (name -> expectation) into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    files = corpus()
    for h in files:
        (folder / h.name).write_bytes(h.data)
    (folder / "expected.json").write_text(
        json.dumps({h.name: h.expectation() for h in files}, indent=1), encoding="utf-8"
    )
    return files


# -- the judge: run in a child process under a memory limit (python -m tests.hostile.helpers FOLDER MB) -----

SECRET_MARK = "root:x:0:0"  # the first line of /etc/passwd: must never surface in a finding


def judge(folder: Path) -> list[dict[str, object]]:
    """validate every file of `folder` (but expected.json): kind, verdict, failing rules, time, memory."""
    import resource
    import time

    from conformance.engine.validate import validate_path
    from conformance.model import Verdict

    out: list[dict[str, object]] = []
    for path in sorted(p for p in folder.iterdir() if p.name != "expected.json"):
        started = time.perf_counter()
        result = validate_path(path)
        seconds = time.perf_counter() - started
        text = json.dumps(result.to_json(), ensure_ascii=False)
        out.append(
            {
                "name": path.name,
                "kind": result.kind,
                "verdict": result.verdict,
                "fails": sorted({f.requirement for f in result.findings if f.verdict is Verdict.FAIL}),
                "crashed": [f.message_en[:300] for f in result.findings if f.requirement == "HARNESS-CHECK"],
                "leaked": SECRET_MARK in text,
                "seconds": round(seconds, 3),
                "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
            }
        )
    return out


def _main(argv: list[str]) -> None:
    import resource
    import sys

    folder, limit_mb = Path(argv[1]), int(argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (limit_mb * 1024 * 1024, limit_mb * 1024 * 1024))
    sys.setrecursionlimit(10_000)
    json.dump(judge(folder), sys.stdout)


if __name__ == "__main__":
    import sys

    _main(sys.argv)
