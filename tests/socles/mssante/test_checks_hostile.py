"""Hostile inputs through the whole engine: a failing, located finding in bounded time, never a traceback."""

from __future__ import annotations

import io
import time
import zipfile

import pytest

from conformance.engine.validate import validate_bytes
from conformance.model import Finding, Verdict

from .helpers import Doc, build_message, run_checks, xdm_zip

XXE = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>'
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10 if i > 1 else b"&lol;" * 10) for i in range(1, 10)
    )
    + b"]><lolz>&lol9;</lolz>"
)
LIMIT_SECONDS = 5.0


def judged(name: str, data: bytes) -> list[Finding]:
    start = time.perf_counter()
    result = validate_bytes(name, data)
    assert time.perf_counter() - start < LIMIT_SECONDS
    assert not [f for f in result.findings if f.requirement == "HARNESS-CHECK"], result.to_json()
    return result.findings


def failing(findings: list[Finding], rid: str, needle: str) -> Finding:
    hits = [f for f in findings if f.requirement == rid and f.verdict is Verdict.FAIL and needle in f.message_en]
    assert hits, [(f.requirement, f.verdict.value, f.message_en) for f in findings if f.verdict is not Verdict.PASS]
    assert hits[0].location and hits[0].message_fr
    return hits[0]


def raw_zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


@pytest.mark.requirements("MSS-XDM-02")
@pytest.mark.parametrize("metadata", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_hostile_metadata_xml(metadata: bytes) -> None:
    f = failing(judged("IHE_XDM.zip", xdm_zip(metadata=metadata)), "MSS-XDM-02", "METADATA.XML refused")
    assert f.location == "IHE_XDM.zip!IHE_XDM/SUBSET01/METADATA.XML"


@pytest.mark.requirements("MSS-XDM-05", "MSS-XDM-04")
def test_hostile_cda_inside_the_archive_and_alone() -> None:
    hostile = LAUGHS.replace(
        b"<lolz>&lol9;</lolz>", b"<ClinicalDocument xmlns='urn:hl7-org:v3'>&lol9;</ClinicalDocument>"
    ).replace(b"lolz", b"ClinicalDocument")
    findings = judged("IHE_XDM.zip", xdm_zip(cda=lambda d: hostile))
    failing(findings, "MSS-XDM-05", "cannot be read")
    alone = judged("doc.xml", hostile)  # a CDA alone is the DMP socle's: its reader refuses it (DMP-C02)
    failing(alone, "DMP-C02", "entit")
    assert not [f for f in alone if f.requirement.startswith("MSS-")]


@pytest.mark.requirements("MSS-XDM-01")
def test_zip_bomb() -> None:
    bomb = raw_zip({"README.TXT": b"x", "IHE_XDM/SUBSET01/DOC0001.XML": b"\0" * (40 * 1024 * 1024)})
    assert len(bomb) < 200_000
    failing(judged("IHE_XDM.zip", bomb), "MSS-XDM-01", "zip bomb")


@pytest.mark.requirements("MSS-XDM-01")
@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "IHE_XDM\\SUBSET01\\X.XML", "A\0.XML"])
def test_unsafe_entry_names(name: str) -> None:
    good = zipfile.ZipFile(io.BytesIO(xdm_zip()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for info in good.infolist():
            zf.writestr(info, good.read(info))
        zf.writestr(zipfile.ZipInfo(name.replace("\0", "N")), b"evil")
    data = buf.getvalue()
    if "\0" in name:  # zipfile cannot write a NUL: patch it into the stored names
        data = data.replace(b"AN.XML", b"A\0.XML")
    f = failing(judged("IHE_XDM.zip", data), "MSS-XDM-01", "entry name")
    assert "!" in f.location


@pytest.mark.requirements("MSS-XDM-01")
def test_duplicate_entries_are_reported() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for info in zipfile.ZipFile(io.BytesIO(xdm_zip())).infolist():
            zf.writestr(info.filename, zipfile.ZipFile(io.BytesIO(xdm_zip())).read(info))
        with pytest.warns(UserWarning):
            zf.writestr("README.TXT", b"second copy")
    failing(judged("IHE_XDM.zip", buf.getvalue()), "MSS-XDM-01", "appears more than once")


@pytest.mark.requirements("MSS-XDM-01")
def test_truncated_zip() -> None:
    data = xdm_zip()
    failing(judged("IHE_XDM.zip", data[: len(data) // 2]), "MSS-XDM-01", "not a readable zip")


@pytest.mark.requirements("MSS-MSG-01")
def test_broken_mime() -> None:
    garbage = b"From: a@b.fr\nTo: c@d.fr\nContent-Type: multipart/mixed\n\n--x\nContent-Type: text/plain\n\nhello\n"
    failing(judged("broken.eml", garbage), "MSS-MSG-01", "MIME defect")


@pytest.mark.requirements("MSS-DOC-02", "MSS-XDM-01")
def test_invalid_base64_attachment() -> None:
    data = build_message()
    start = data.index(b"UEsDB")  # base64 of the zip's "PK\x03\x04"
    broken = data[: start + 40] + b"!!!***" + data[start + 46 :]
    findings = judged("message.eml", broken)
    failing(findings, "MSS-DOC-02", "invalid base64")
    failing(findings, "MSS-XDM-01", "cannot be decoded")


@pytest.mark.requirements("MSS-MSG-01", "MSS-DOC-02")
def test_truncated_message() -> None:
    data = build_message([Doc(), Doc(file_name="DOC0002.XML")])
    cut = data[: data.index(b"UEsDB") + 300]
    findings = judged("message.eml", cut)
    failing(findings, "MSS-MSG-01", "MIME defect")
    assert [f for f in findings if f.requirement.startswith("MSS-XDM") and f.verdict is Verdict.FAIL]


@pytest.mark.requirements("MSS-MSG-01")
def test_fifty_megabyte_message() -> None:
    head = build_message([]).split(b"\n\n", 1)[0]
    line = b"QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\n"
    big = head + b"\n\n" + line * (50 * 1024 * 1024 // len(line))
    f = failing(judged("big.eml", big), "MSS-MSG-01", "exceeds the harness limit")
    assert f.location == "message"


@pytest.mark.requirements("MSS-MSG-01")
def test_deeply_nested_and_wide_mime() -> None:
    nested = b"From: a@b.fr\nTo: c@d.fr\nMIME-Version: 1.0\n"
    for i in range(60):
        nested += b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (i, i)
    nested += b"Content-Type: text/plain\n\nx\n"
    failing(judged("deep.eml", nested), "MSS-MSG-01", "deeper than")
    wide = b'From: a@b.fr\nTo: c@d.fr\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="w"\n\n'
    wide += b"--w\nContent-Type: text/plain\n\nx\n" * 2000 + b"--w--\n"
    failing(judged("wide.eml", wide), "MSS-MSG-01", "more than 500 MIME parts")


@pytest.mark.requirements("MSS-MSG-01", "MSS-XDM-01")
def test_random_damage_never_crashes_a_check() -> None:
    """Seeded byte-level damage (flips, inserted MIME tokens, cuts) of a message and of an archive."""
    import random

    rng = random.Random(20261120)
    tokens = [
        b"\n",
        b"--",
        b";",
        b"=?utf-8?q?",
        b"?=",
        b'"',
        b"<",
        b"@",
        b"\xff",
        b"\x00",
        b"filename*=",
        b"multipart/report; report-type=disposition-notification",
    ]
    bases = {"email": build_message([Doc(), Doc(file_name="DOC0002.XML")]), "xdm": xdm_zip()}
    for i in range(150):
        kind = "email" if i % 3 else "xdm"
        data = bytearray(bases[kind])
        for _ in range(rng.randint(1, 5)):
            pos = rng.randrange(len(data))
            op = rng.random()
            if op < 0.35:
                data[pos] = rng.randrange(256)
            elif op < 0.7:
                data[pos:pos] = rng.choice(tokens)
            elif op < 0.9:
                del data[pos : pos + rng.randint(1, 40)]
            else:
                data = data[: max(pos, 1)]
        found = run_checks(kind, bytes(data), name="damaged")  # a crash would be a HARNESS-CHECK finding
        assert found and not [f for f in found if f.requirement == "HARNESS-CHECK"], found
        assert all(f.location for f in found), [f for f in found if not f.location]
