"""The IHE_XDM.zip attachment (ITI-32 "Distribute Document Set on Media", ZIP over e-mail option).

Layout (specs/mssante.md §2.4): README.TXT and INDEX.HTM at the root, one submission set in
IHE_XDM/SUBSET01/ with METADATA.XML and the documents under ISO 9660 8.3 upper-case names
(DOC0001.XML, ...). Entries carry the build time, so the archive is reproducible.
"""

from __future__ import annotations

import html
import zipfile
from collections.abc import Iterable
from io import BytesIO

import conformance

from .documents import BuiltDocument
from .inputs import Bal, BuildEnv, Deviations, Organisation
from .metadata import EntryInput, build_metadata

SUBSET = "IHE_XDM/SUBSET01"
# what macOS archivers add: an AppleDouble resource fork and Finder's folder settings
_APPLEDOUBLE = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        " + b"\x00" * 16
_DS_STORE = b"\x00\x00\x00\x01Bud1" + b"\x00" * 24


def document_name(index: int) -> str:
    return f"DOC{index:04d}.XML"


def _readme(sender: Bal, org: Organisation, docs: list[BuiltDocument], stamp: str) -> str:
    lines = [
        "IHE XDM - Distribute Document Set on Media (IHE ITI-32), option ZIP over e-mail",
        "",
        f"Expéditeur : {org.name} <{sender.address}>",
        f"Application : {org.software} {conformance.__version__}",
        "Éditeur : dui-conformance",
        f"Date : {stamp}",
        "",
        "Contenu :",
        "  README.TXT                      ce fichier",
        "  INDEX.HTM                       index des documents (à ouvrir dans un navigateur)",
        f"  {SUBSET}/METADATA.XML    métadonnées XDS (ebRIM 3.0)",
    ]
    lines += [f"  {SUBSET}/{document_name(i)}     {d.header.title}" for i, d in enumerate(docs, 1)]
    lines += [
        "",
        "Instructions : ouvrir INDEX.HTM ; chaque document est un CDA R2 dont le PDF est aussi joint au courriel.",
        "",
    ]
    return "\r\n".join(lines)


def _index(org: Organisation, docs: list[BuiltDocument]) -> str:
    rows = "\n".join(
        f'<li><a href="{SUBSET}/{document_name(i)}">{html.escape(d.header.title)}</a> '
        f"({html.escape(d.header.code.display)})</li>"
        for i, d in enumerate(docs, 1)
    )
    return (
        '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8"/><title>IHE XDM</title></head><body>\n'
        f"<h1>Documents transmis par {html.escape(org.name)}</h1>\n<ul>\n{rows}\n</ul>\n"
        '<p><a href="README.TXT">README.TXT</a></p>\n</body></html>\n'
    )


def build_xdm(
    docs: list[BuiltDocument], *, sender: Bal, org: Organisation, env: BuildEnv, deviations: Deviations
) -> bytes:
    stamp = env.utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    entries = [
        EntryInput(
            d.header,
            d.cda,
            document_name(i).lower() if deviations.uri_case_mismatch else document_name(i),
            d.pdf,
            d.extra_confidentiality,
        )
        for i, d in enumerate(docs, 1)
    ]
    metadata = build_metadata(
        entries,
        new_id=env.urn_uuid,
        submission_time=env.utc,
        source_id=org.source_id,
        submission_uid=env.oid(),
        deviations=deviations,
        content_type=org.content_type,
    )
    files: list[tuple[str, bytes]] = []
    if deviations.readme:
        files.append(("README.TXT", _readme(sender, org, docs, stamp).encode("utf-8")))
    files.append(("INDEX.HTM", _index(org, docs).encode("utf-8")))
    files.append((f"{SUBSET}/METADATA.XML", metadata))
    files += [(f"{SUBSET}/{document_name(i)}", d.cda) for i, d in enumerate(docs, 1)]
    if deviations.junk_entries:
        files += [(f"__MACOSX/{SUBSET}/._{document_name(1)}", _APPLEDOUBLE), ("IHE_XDM/.DS_Store", _DS_STORE)]
    return zip_files(files, env)


def zip_files(files: Iterable[tuple[str, bytes]], env: BuildEnv) -> bytes:
    """A deflated zip whose entries carry the build time (reproducible bytes)."""
    t = env.utc
    buf = BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=(t.year, t.month, t.day, t.hour, t.minute, t.second))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buf.getvalue()
