"""Hardened zip reading: the only way the harness opens an archive someone else produced.

An IHE_XDM.zip comes from the software under test or from anyone running `conformance validate`,
so nothing in it is trusted: the number of entries, the declared sizes, the names and the
compression ratio are all bounded, and every entry is read in chunks that stop at the limit
whatever the headers claim. Nothing is ever written to disk and nested archives are kept as
bytes, never expanded.

Problems that concern one entry (unsafe or duplicate name, encryption, junk left by an archiver,
a corrupt member) are collected in `ZipContent.problems` so that a check can name the entry; an
archive that cannot be read at all, or that trips a global limit (entry count, total size, zip
bomb), raises `ZipRefused`.

Names are judged as the central directory stores them, byte for byte: `zipfile` may cut a name at
a NUL or replace it by an Info-ZIP Unicode Path extra field (0x7075) depending on the Python
version, and what an extracting tool uses is the raw name. The central directory is walked with
zipfile's own record layout (its `structCentralDir`), entry by entry alongside `infolist()`.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from dataclasses import dataclass, field

MAX_ENTRIES = 1000
MAX_TOTAL_BYTES = 200 * 1024 * 1024
MAX_RATIO = 100  # uncompressed / compressed, only judged above RATIO_FLOOR bytes
RATIO_FLOOR = 1024 * 1024
CHUNK = 64 * 1024

# a central directory file header (APPNOTE.TXT 4.3.12), the layout zipfile.structCentralDir unpacks
_CENTRAL_DIR = struct.Struct("<4s4B4HL2L5H2L")
_CENTRAL_SIGNATURE = b"PK\x01\x02"
_CD_FLAGS, _CD_NAME_LEN, _CD_EXTRA_LEN, _CD_COMMENT_LEN = 5, 12, 13, 14
_JUNK = re.compile(r"(^|/)(__MACOSX/|\.DS_Store$|\._[^/]*$|Thumbs\.db$|desktop\.ini$|\.[^/]*\.swp$)", re.I)
_DRIVE = re.compile(r"^[A-Za-z]:")


class ZipRefused(ValueError):
    """The archive cannot be read at all, or trips a global limit (count, size, bomb)."""


@dataclass(frozen=True)
class ZipProblem:
    entry: str  # the name as stored (printable form)
    kind: str  # unsafe-name | duplicate | encrypted | junk | corrupt
    message_en: str
    message_fr: str


@dataclass
class ZipContent:
    files: dict[str, bytes] = field(default_factory=dict)  # safe, readable entries (not directories)
    directories: list[str] = field(default_factory=list)
    problems: list[ZipProblem] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # every stored name, in archive order

    def find(self, name: str) -> str | None:
        """The stored name equal to `name` ignoring case (None when absent or ambiguous)."""
        hits = [n for n in self.files if n.lower() == name.lower()]
        return hits[0] if len(hits) == 1 else None


def is_junk(name: str) -> bool:
    """Entries archivers add behind the user's back (macOS resource forks, Finder and editor files)."""
    return bool(_JUNK.search(name))


def unsafe_name_reason(name: str) -> str | None:
    """Why `name` must never be used as a path, or None."""
    if "\x00" in name:
        return "contains a NUL character"
    if "\\" in name:
        return "contains a backslash"
    if name.startswith("/") or _DRIVE.match(name):
        return "is an absolute path"
    if any(part == ".." for part in name.split("/")):
        return "climbs out of the archive with '..'"
    if any(ord(c) < 32 for c in name):
        return "contains a control character"
    return None


def _central_names(data: bytes, zf: zipfile.ZipFile) -> list[str] | None:
    """Every entry name as the central directory stores it (decoded as its UTF-8 flag says, a NUL kept),
    in archive order; None when the directory cannot be walked (zipfile's names are then used)."""
    pos = getattr(zf, "start_dir", None)
    if not isinstance(pos, int):
        return None
    names: list[str] = []
    for _info in zf.infolist():
        head = data[pos : pos + _CENTRAL_DIR.size]
        if len(head) < _CENTRAL_DIR.size or head[:4] != _CENTRAL_SIGNATURE:
            return None
        fields = _CENTRAL_DIR.unpack(head)
        flags, n, m, k = fields[_CD_FLAGS], fields[_CD_NAME_LEN], fields[_CD_EXTRA_LEN], fields[_CD_COMMENT_LEN]
        raw = data[pos + _CENTRAL_DIR.size : pos + _CENTRAL_DIR.size + n]
        names.append(raw.decode("utf-8" if flags & 0x800 else "cp437", "replace"))
        pos += _CENTRAL_DIR.size + n + m + k
    return names


def read_zip(
    data: bytes,
    *,
    max_entries: int = MAX_ENTRIES,
    max_total: int = MAX_TOTAL_BYTES,
    max_ratio: int = MAX_RATIO,
) -> ZipContent:
    """Read every safe entry of the archive `data` within the limits (see the module docstring)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # zipfile raises many types on hostile input; all mean "unreadable"
        raise ZipRefused(f"not a readable zip archive: {type(exc).__name__}: {exc}") from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > max_entries:
            raise ZipRefused(f"the archive holds {len(infos)} entries, above the {max_entries}-entry limit")
        declared = sum(max(i.file_size, 0) for i in infos)
        if declared > max_total:
            raise ZipRefused(f"the archive declares {declared} uncompressed bytes, above the {max_total}-byte limit")
        out = ZipContent()
        seen: set[str] = set()
        budget = max_total
        stored = _central_names(data, zf) or [i.orig_filename for i in infos]
        for info, raw_name in zip(infos, stored, strict=True):
            shown = raw_name.replace("\x00", "\\0")
            out.names.append(shown)
            reason = unsafe_name_reason(raw_name)
            if reason is None and raw_name != info.orig_filename:
                reason = f"is read as {info.orig_filename!r} by zipfile (Unicode Path extra field or truncation)"
            if reason:
                out.problems.append(
                    ZipProblem(
                        shown,
                        "unsafe-name",
                        f"entry name {shown!r} {reason}",
                        f"le nom d'entrée {shown!r} est dangereux ({reason})",
                    )
                )
                continue
            if raw_name in seen:
                out.problems.append(
                    ZipProblem(
                        shown,
                        "duplicate",
                        f"entry {shown!r} appears more than once",
                        f"l'entrée {shown!r} figure plusieurs fois",
                    )
                )
                continue
            seen.add(raw_name)
            if info.is_dir():
                out.directories.append(raw_name)
                continue
            if is_junk(raw_name):
                out.problems.append(
                    ZipProblem(
                        shown,
                        "junk",
                        f"entry {shown!r} is archiver junk",
                        f"l'entrée {shown!r} est un fichier parasite d'archiveur",
                    )
                )
                continue
            if info.flag_bits & 0x1:
                out.problems.append(
                    ZipProblem(
                        shown,
                        "encrypted",
                        f"entry {shown!r} is encrypted",
                        f"l'entrée {shown!r} est chiffrée",
                    )
                )
                continue
            content = _read_entry(zf, info, budget, max_ratio, out)
            if content is not None:
                budget -= len(content)
                out.files[raw_name] = content
        return out


def _read_entry(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int, max_ratio: int, out: ZipContent
) -> bytes | None:
    """Read one member in chunks, never beyond `budget`; judge the ratio on what was really produced."""
    name = info.filename
    buf = bytearray()
    try:
        with zf.open(info) as fh:
            while True:
                chunk = fh.read(CHUNK)
                if not chunk:
                    break
                buf += chunk
                if len(buf) > budget:
                    raise ZipRefused(
                        f"entry {name!r} expands beyond the archive's size limit ({len(buf)} bytes read so far)"
                    )
                if len(buf) > RATIO_FLOOR and len(buf) > max_ratio * max(info.compress_size, 1):
                    raise ZipRefused(
                        f"entry {name!r} expands more than {max_ratio}:1 "
                        f"({info.compress_size} compressed bytes -> {len(buf)}+): zip bomb"
                    )
    except ZipRefused:
        raise
    except Exception as exc:  # any other failure of one member is that member's problem
        out.problems.append(
            ZipProblem(
                name,
                "corrupt",
                f"entry {name!r} cannot be read: {exc}",
                f"l'entrée {name!r} est illisible : {exc}",
            )
        )
        return None
    return bytes(buf)
