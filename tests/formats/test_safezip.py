"""conformance.formats.safezip: bounded, path-safe reading of archives nobody on this project wrote."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest

from conformance.formats.safezip import ZipRefused, is_junk, read_zip, unsafe_name_reason


def make(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in entries.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return buf.getvalue()


def test_reads_ordinary_entries_and_directories() -> None:
    content = read_zip(make({"README.TXT": b"hello", "IHE_XDM/": b"", "IHE_XDM/S/A.XML": b"<a/>"}))
    assert content.files == {"README.TXT": b"hello", "IHE_XDM/S/A.XML": b"<a/>"}
    assert content.directories == ["IHE_XDM/"]
    assert not content.problems
    assert content.find("readme.txt") == "README.TXT"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../evil", "climbs out"),
        ("a/../../evil", "climbs out"),
        ("/etc/passwd", "absolute"),
        ("C:/x", "absolute"),
        ("a\\b", "backslash"),
        ("a\x00b", "NUL"),
        ("a\x07b", "control"),
    ],
)
def test_unsafe_names_are_refused_per_entry(name: str, reason: str) -> None:
    assert reason in (unsafe_name_reason(name) or "")
    data = make({"OK.TXT": b"1", name.replace("\x00", "Z"): b"2"})
    if "\x00" in name:
        data = data.replace(b"aZb", b"a\x00b")
    content = read_zip(data)
    assert "OK.TXT" in content.files
    assert [p.kind for p in content.problems] == ["unsafe-name"]
    assert len(content.files) == 1


def test_junk_duplicates_and_encrypted_are_problems_not_crashes() -> None:
    assert is_junk("__MACOSX/._A.XML") and is_junk("IHE_XDM/.DS_Store") and not is_junk("IHE_XDM/S/A.XML")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("A.TXT", b"1")
        with pytest.warns(UserWarning):
            zf.writestr("A.TXT", b"2")
        zf.writestr("__MACOSX/._A.TXT", b"x")
        zf.writestr("SECRET.TXT", b"s")
    data = bytearray(buf.getvalue())
    # flag SECRET.TXT as encrypted (general purpose bit 0) in its local and central headers
    for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = 0
        while (pos := data.find(sig, pos)) >= 0:
            name_at = pos + (30 if sig == b"PK\x03\x04" else 46)
            if data[name_at : name_at + 10] == b"SECRET.TXT":
                (flags,) = struct.unpack_from("<H", data, pos + flag_at)
                struct.pack_into("<H", data, pos + flag_at, flags | 1)
            pos += 4
    content = read_zip(bytes(data))
    kinds = sorted(p.kind for p in content.problems)
    assert kinds == ["duplicate", "encrypted", "junk"]
    assert content.files == {"A.TXT": b"1"}


def test_limits() -> None:
    with pytest.raises(ZipRefused, match="entries"):
        read_zip(make({f"F{i}.TXT": b"x" for i in range(20)}), max_entries=10)
    with pytest.raises(ZipRefused, match="limit"):
        read_zip(make({"A.TXT": b"a" * 5000, "B.TXT": b"b" * 5000}), max_total=8000)
    with pytest.raises(ZipRefused, match="zip bomb"):
        read_zip(make({"Z.BIN": b"\0" * (8 * 1024 * 1024)}))


def test_declared_sizes_are_not_trusted() -> None:
    """A size that lies low is caught (CRC), one that lies high counts against the budget."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("A.BIN", bytes(range(256)) * 64)
    low = bytearray(buf.getvalue())
    struct.pack_into("<I", low, low.find(b"PK\x01\x02") + 24, 10)
    content = read_zip(bytes(low))
    assert content.files == {} and [p.kind for p in content.problems] == ["corrupt"]
    high = bytearray(buf.getvalue())
    struct.pack_into("<I", high, high.find(b"PK\x01\x02") + 24, 3_000_000_000)
    with pytest.raises(ZipRefused, match="limit"):
        read_zip(bytes(high))


def test_unreadable_archives() -> None:
    with pytest.raises(ZipRefused, match="not a readable zip"):
        read_zip(b"PK\x03\x04 truncated")
    good = make({"A.TXT": bytes(range(256)) * 40})
    corrupt = bytearray(good)
    corrupt[60:90] = b"\xff" * 30  # damage the deflate stream
    content = read_zip(bytes(corrupt))
    assert [p.kind for p in content.problems] == ["corrupt"]


def test_nested_zip_is_kept_as_bytes() -> None:
    inner = make({"X.TXT": b"x"})
    content = read_zip(make({"INNER.ZIP": inner}))
    assert content.files["INNER.ZIP"] == inner
    assert list(content.files) == ["INNER.ZIP"]


def _renamed(data: bytes, placeholder: bytes, raw: bytes) -> bytes:
    """The archive with an entry name rewritten in its headers (same length, so offsets hold)."""
    assert len(placeholder) == len(raw)
    return data.replace(placeholder, raw)


def test_nul_in_a_stored_name_is_seen_in_the_central_directory() -> None:
    data = _renamed(make({"IHE_XDM/SUBSET01/DOC0001.XMLZZZZ": b"<x/>", "README.TXT": b"x"}), b"XMLZZZZ", b"XML\x00../")
    content = read_zip(data)
    assert [(p.kind, p.entry) for p in content.problems] == [("unsafe-name", "IHE_XDM/SUBSET01/DOC0001.XML\\0../")]
    assert list(content.files) == ["README.TXT"]


def test_unicode_path_extra_field_cannot_hide_the_stored_name() -> None:
    """An Info-ZIP Unicode Path field (0x7075) gives a clean name that Python >= 3.12 substitutes for the
    stored one; the stored bytes (with their NUL) are what an extracting tool may use, and what is judged."""
    stored, clean = b"DOC\x00/../x.xml", b"DOC0001.XML"
    extra = struct.pack("<HHBL", 0x7075, 5 + len(clean), 1, zlib.crc32(stored)) + clean
    info = zipfile.ZipInfo("DOCZZZZZZZZZZ")
    info.extra = extra
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(info, b"<x/>")
    content = read_zip(_renamed(buf.getvalue(), b"DOCZZZZZZZZZZ", stored))
    assert [p.kind for p in content.problems] == ["unsafe-name"] and content.files == {}
    assert "NUL" in content.problems[0].message_en
