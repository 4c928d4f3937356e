"""The grappe's members file: one line per establishment, as a spreadsheet exports it.

Accepted as the people who fill it produce it: CSV in UTF-8 (with or without BOM), in the Windows
code page of Excel's "CSV (séparateur : point-virgule)" export (cp1252), or in Excel's "Texte
Unicode" (UTF-16, tab-separated); separator `;`, `,` or tab, found on the header row. Column names
are matched without case, accents or punctuation against the aliases below ("N° FINESS EJ",
"finess juridique"...). Every problem names its line (the header is line 1, lines as a text
editor counts them, a quoted multi-line cell included); a bad line is reported and left out, the
others are still read. Size and line count are bounded.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.dossier.finess import Finess, check_finess
from conformance.dossier.problems import ERROR, WARNING, Problem, problem

MAX_BYTES = 5 * 1024 * 1024
MAX_LINES = 10_000
SEPARATORS = (";", ",", "\t")

COLUMNS: dict[str, tuple[str, ...]] = {
    "og_name": (
        "organisme gestionnaire",
        "nom organisme gestionnaire",
        "nom de l organisme gestionnaire",
        "raison sociale og",
        "raison sociale ej",
        "nom og",
        "og",
        "gestionnaire",
        "entite juridique",
    ),
    "og_finess": (
        "finess juridique",
        "finess ej",
        "n finess ej",
        "no finess ej",
        "numero finess ej",
        "numero finess juridique",
        "finess og",
        "finess organisme gestionnaire",
        "finess entite juridique",
    ),
    "esms_name": (
        "etablissement",
        "nom etablissement",
        "nom de l etablissement",
        "esms",
        "nom esms",
        "raison sociale et",
        "raison sociale etablissement",
    ),
    "esms_finess": (
        "finess geographique",
        "finess et",
        "n finess et",
        "no finess et",
        "numero finess et",
        "numero finess geographique",
        "finess etablissement",
        "finess esms",
    ),
    "esms_category": ("categorie", "categorie etablissement", "categorie esms", "categorie finess", "code categorie"),
    "dui_solution": ("solution dui", "dui", "logiciel dui", "solution", "logiciel", "nom du dui", "nom solution dui"),
    "dui_version": ("version dui", "version", "version du dui", "version solution", "version logiciel"),
    "certificate": ("certificat", "attestation", "fichier attestation", "fichier certificat"),
}
REQUIRED = ("og_name", "og_finess", "esms_name", "esms_finess", "esms_category", "dui_solution", "dui_version")
LABELS_FR = {
    "og_name": "organisme gestionnaire",
    "og_finess": "FINESS juridique",
    "esms_name": "établissement",
    "esms_finess": "FINESS géographique",
    "esms_category": "catégorie",
    "dui_solution": "solution DUI",
    "dui_version": "version DUI",
    "certificate": "attestation",
}


def normalise_header(name: str) -> str:
    """'N° FINESS EJ' -> 'n finess ej': no case, no accent, punctuation as single spaces."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


ALIASES = {alias: column for column, names in COLUMNS.items() for alias in (*names, column.replace("_", " "))}


@dataclass
class Member:
    line: int
    og_name: str
    og_finess: Finess
    esms_name: str
    esms_finess: Finess
    category: str
    solution: str
    version: str
    certificate: str = ""
    usable: bool = True  # False: left out of every count (its problems say why)

    def to_json(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "organisme": {"name": self.og_name, "finess": self.og_finess.value},
            "esms": {
                "name": self.esms_name,
                "finess": self.esms_finess.value,
                "departement": self.esms_finess.departement,
                "zone": self.esms_finess.zone.value if self.esms_finess.zone else None,
                "category": self.category,
            },
            "dui": {"solution": self.solution, "version": self.version},
            "certificate": self.certificate,
            "usable": self.usable,
        }


@dataclass
class MembersFile:
    name: str
    sha256: str
    encoding: str = ""
    separator: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # column -> header as written
    members: list[Member] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def add(self, line: int | None, where: str, severity: str, key: str, **params: Any) -> None:
        """A problem at `line`, in the column `where` (a column id of COLUMNS, or a header as written)."""
        self.problems.append(problem(self.name, line, LABELS_FR.get(where, where), severity, key, **params))


UTF8_SEQUENCE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")


def _decode(data: bytes, out: MembersFile) -> str:
    """UTF-16 or UTF-8 when marked, else UTF-8 when it decodes (or clearly is UTF-8 with a bad byte), else cp1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        out.encoding = "utf-16"
    elif data.startswith(codecs.BOM_UTF8):
        out.encoding = "utf-8-sig"
    else:
        try:
            data.decode("utf-8")
            out.encoding = "utf-8"
        except UnicodeDecodeError:
            out.encoding = "utf-8" if UTF8_SEQUENCE.search(data) else "cp1252"
    try:
        return data.decode(out.encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        out.add(line, "", ERROR, "members-encoding", encoding=out.encoding)
        return data.decode(out.encoding, errors="replace")


def _separator(text: str) -> str | None:
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {sep: header.count(sep) for sep in SEPARATORS}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] else None


def _rows(text: str, separator: str, out: MembersFile) -> Iterator[tuple[int, list[str]]]:
    """(first physical line, cells) of every non-blank record; csv errors reported, reading goes on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    previous = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            out.add(previous + 1, "", ERROR, "members-csv", reason=str(exc))
            previous = reader.line_num
            continue
        start, previous = previous + 1, reader.line_num
        if start > MAX_LINES:
            out.add(start, "", ERROR, "members-too-many-lines", limit=MAX_LINES)
            return
        if any(c.strip() for c in cells):
            yield start, cells


def _header(cells: list[str], line: int, out: MembersFile) -> dict[int, str]:
    positions: dict[int, str] = {}
    for index, raw in enumerate(cells):
        name = raw.strip()
        if not name:
            continue
        column = ALIASES.get(normalise_header(name))
        if column is None:
            out.add(line, name, ERROR, "members-unknown-column", column=name, position=index + 1)
        elif column in out.columns:
            out.add(line, column, ERROR, "members-column-twice", column=name, first=out.columns[column])
        else:
            out.columns[column] = name
            positions[index] = column
    for column in REQUIRED:
        if column not in out.columns:
            out.add(line, column, ERROR, "members-missing-column", column=LABELS_FR[column])
    return positions


def _member(line: int, cells: list[str], positions: dict[int, str], width: int, out: MembersFile) -> Member | None:
    if len(cells) > width and any(c.strip() for c in cells[width:]):
        out.add(line, "", ERROR, "members-too-many-cells", count=len(cells), expected=width)
        return None
    if len(cells) < width:
        out.add(line, "", ERROR, "members-too-few-cells", count=len(cells), expected=width)
        return None
    values = {column: " ".join(cells[index].split()) for index, column in positions.items()}
    usable = True
    for column in REQUIRED:
        if column in out.columns and not values.get(column):
            severity = WARNING if column == "esms_category" else ERROR
            out.add(line, column, severity, "members-empty-cell", column=LABELS_FR[column])
            usable = usable and severity == WARNING
    checked = {}
    for column in ("og_finess", "esms_finess"):
        checked[column] = check_finess(values.get(column, ""))
        if not values.get(column):
            continue  # already reported as an empty cell
        for issue in checked[column].issues:
            out.add(line, column, issue.severity, issue.key, **issue.params)
        usable = usable and checked[column].valid
    return Member(
        line=line,
        og_name=values.get("og_name", ""),
        og_finess=checked["og_finess"],
        esms_name=values.get("esms_name", ""),
        esms_finess=checked["esms_finess"],
        category=values.get("esms_category", ""),
        solution=values.get("dui_solution", ""),
        version=values.get("dui_version", ""),
        certificate=values.get("certificate", ""),
        usable=usable and all(c in out.columns for c in REQUIRED),
    )


def _cross_checks(out: MembersFile) -> None:
    """Each ESMS once; one name per organisme gestionnaire's FINESS."""
    seen: dict[str, Member] = {}
    og_names: dict[str, Member] = {}
    for m in out.members:
        if not m.usable:
            continue
        first = seen.get(m.esms_finess.value)
        if first is not None:
            m.usable = False
            out.add(m.line, "esms_finess", ERROR, "members-duplicate", finess=m.esms_finess.value, first=first.line)
            continue
        seen[m.esms_finess.value] = m
        named = og_names.setdefault(m.og_finess.value, m)
        if normalise_header(named.og_name) != normalise_header(m.og_name):
            out.add(
                m.line,
                "og_name",
                WARNING,
                "members-og-names",
                finess=m.og_finess.value,
                name=m.og_name,
                other=named.og_name,
                first=named.line,
            )


def read_members_file(path: Path) -> MembersFile:
    """Read at most one byte past the size limit, so a huge file is refused without being loaded."""
    if not path.is_file():
        raise OSError(f"{path} is not a regular file")
    with open(path, "rb") as fh:
        data = fh.read(MAX_BYTES + 1)
    return read_members(data, path.name)


def read_members(data: bytes, name: str = "members.csv") -> MembersFile:
    """Read a members file from its bytes; never raises on content, every problem is in `problems`."""
    out = MembersFile(name=name, sha256=hashlib.sha256(data).hexdigest())
    if len(data) > MAX_BYTES:
        out.add(None, "", ERROR, "members-too-large", limit=MAX_BYTES)
        return out
    text = _decode(data, out)
    if not text.strip():
        out.add(None, "", ERROR, "members-empty")
        return out
    separator = _separator(text)
    if separator is None:
        out.add(1, "", ERROR, "members-no-separator")
        return out
    out.separator = separator
    rows = _rows(text, separator, out)
    first = next(rows, None)
    if first is None:
        out.add(None, "", ERROR, "members-empty")
        return out
    header_line, header = first
    positions = _header(header, header_line, out)
    width = max((i + 1 for i, cell in enumerate(header) if cell.strip()), default=0)
    for line, cells in rows:
        member = _member(line, cells, positions, width, out)
        if member is not None:
            out.members.append(member)
    if not out.members:
        out.add(None, "", ERROR, "members-no-member")
    _cross_checks(out)
    return out
