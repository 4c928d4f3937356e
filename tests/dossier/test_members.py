"""The members file as spreadsheets export it; every bad line reported with its number, the rest read."""

from __future__ import annotations

import codecs

import pytest

from conformance.dossier import members as members_module
from conformance.dossier.members import normalise_header, read_members
from tests.dossier.helpers import HEADER, finess, grappe, members_csv


def found(data: bytes) -> list[tuple[int | None, str, str]]:
    return [(p.line, p.severity, p.key) for p in read_members(data).problems]


def test_utf8_semicolon_file() -> None:
    result = read_members(members_csv(grappe(16)))
    assert result.problems == [] and len(result.members) == 16 and all(m.usable for m in result.members)
    assert (result.encoding, result.separator) == ("utf-8", ";")
    first = result.members[0]
    assert first.line == 2 and first.esms_name == "EHPAD Essai 1" and first.version == "4.2.1"


def test_excel_cp1252_export_with_accents() -> None:
    rows = [("Fondation Sainte-Hélène", finess("69098000"), "Résidence Les Érables", finess("69990000"), "500",
             "DUI Essai", "4.2.1")]  # fmt: skip
    result = read_members(members_csv(rows, encoding="cp1252"))
    assert result.encoding == "cp1252" and result.problems == []
    assert result.members[0].og_name == "Fondation Sainte-Hélène"
    assert result.members[0].esms_name == "Résidence Les Érables"
    assert result.columns["esms_name"] == "Établissement"


def test_utf8_bom_and_comma_separator() -> None:
    result = read_members(codecs.BOM_UTF8 + members_csv(grappe(3), sep=","))
    assert (result.encoding, result.separator, len(result.members)) == ("utf-8-sig", ",", 3)
    assert result.columns["og_name"] == "Organisme gestionnaire"  # no BOM left in the first header


def test_excel_unicode_text_utf16_tabs() -> None:
    data = codecs.BOM_UTF16_LE + members_csv(grappe(2), sep="\t").decode().encode("utf-16-le")
    result = read_members(data)
    assert (result.encoding, result.separator, len(result.members), result.problems) == ("utf-16", "\t", 2, [])


def test_headers_matched_without_case_accents_or_punctuation() -> None:
    assert normalise_header(" N° FINESS E.J. ") == "n finess e j"
    header = ("ORGANISME GESTIONNAIRE", "N° FINESS EJ", "Nom de l'établissement", "FINESS ET", "categorie",
              "logiciel DUI", "version")  # fmt: skip
    result = read_members(members_csv(grappe(2), header=header))
    assert result.problems == [] and len(result.members) == 2


def test_quoted_cells_and_multiline_cell_keep_line_numbers() -> None:
    rows = grappe(3)
    text = members_csv(rows[:1]).decode()
    text += (
        f'"Organisme ""Le Cèdre""; section 2";{rows[1][1]};"EHPAD sur\r\ndeux lignes";' + ";".join(rows[1][3:]) + "\r\n"
    )
    text += ";".join(rows[2][:3]) + ";012;500;DUI Essai;5.0\r\n"
    result = read_members(text.encode())
    assert [m.line for m in result.members] == [2, 3, 5]
    assert result.members[1].og_name == 'Organisme "Le Cèdre"; section 2'
    assert result.members[1].esms_name == "EHPAD sur deux lignes"
    assert [(p.line, p.key) for p in result.problems] == [(5, "finess-format")]


def test_unknown_missing_and_repeated_columns() -> None:
    header = (*HEADER[:4], "Commentaire", "Solution DUI", "Version DUI", "version")
    rows = [(*r[:4], "rien", *r[5:], "x") for r in grappe(2)]
    assert found(members_csv(rows, header=header)) == [
        (1, "error", "members-unknown-column"),
        (1, "error", "members-column-twice"),
        (1, "error", "members-missing-column"),
    ]
    result = read_members(members_csv(rows, header=header))
    assert "Commentaire" in result.problems[0].text.fr and all(not m.usable for m in result.members)


def test_wrong_key_bad_format_duplicate_and_empty_cells() -> None:
    rows = grappe(6)
    rows[1] = (*rows[1][:3], rows[1][3][:8] + str((int(rows[1][3][8]) + 1) % 10), *rows[1][4:])  # wrong key
    rows[2] = (*rows[2][:3], "12345", *rows[2][4:])  # not a FINESS
    rows[3] = (*rows[3][:3], rows[0][3], *rows[3][4:])  # line 5 repeats line 2's establishment
    rows[4] = (*rows[4][:6], "")  # no version
    rows[5] = (*rows[5][:4], "", *rows[5][5:])  # no category: a warning only
    result = read_members(members_csv(rows))
    assert [(p.line, p.severity, p.key) for p in result.problems] == [
        (3, "warning", "finess-key"),
        (4, "error", "finess-format"),
        (6, "error", "members-empty-cell"),
        (7, "warning", "members-empty-cell"),
        (5, "error", "members-duplicate"),
    ]
    assert [m.usable for m in result.members] == [True, True, False, False, False, True]
    assert "ligne 2" in result.problems[-1].text.fr


@pytest.mark.parametrize(
    ("line", "key"), [(";".join(["x"] * 9), "members-too-many-cells"), ("a;b;c", "members-too-few-cells")]
)
def test_malformed_line_is_left_out(line: str, key: str) -> None:
    text = members_csv(grappe(2)).decode() + line + "\r\n" + ";".join(grappe(3)[2]) + "\r\n"
    result = read_members(text.encode())
    assert [(p.line, p.key) for p in result.problems] == [(4, key)] and [m.line for m in result.members] == [2, 3, 5]


def test_trailing_separators_of_excel_are_tolerated() -> None:
    text = members_csv(grappe(2)).decode().replace("\r\n", ";;\r\n")
    assert read_members(text.encode()).problems == []


def test_same_organisme_two_names_is_a_warning() -> None:
    rows = grappe(4, organismes=1)
    rows[3] = ("Autre nom", *rows[3][1:])
    assert found(members_csv(rows)) == [(5, "warning", "members-og-names")]


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (b"", "members-empty"),
        (b"\r\n\r\n", "members-empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "members-no-separator"),
        (members_csv([]), "members-no-member"),
        (b"\x00;\x00\r\n" * 3, "members-unknown-column"),
    ],
)
def test_hostile_or_empty_files_never_raise(data: bytes, key: str) -> None:
    assert key in [p.key for p in read_members(data).problems]


def test_size_and_line_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    assert found(b"x" * (members_module.MAX_BYTES + 1)) == [(None, "error", "members-too-large")]
    monkeypatch.setattr(members_module, "MAX_LINES", 4)
    result = read_members(members_csv(grappe(10)))
    assert [m.line for m in result.members] == [2, 3, 4] and result.problems[0].key == "members-too-many-lines"


def test_undecodable_bytes_are_reported() -> None:
    data = members_csv(grappe(1)).replace(b"EHPAD", b"EHP\x81D")  # 0x81 is undefined in cp1252
    result = read_members(data)
    assert [(p.line, p.key) for p in result.problems] == [(2, "members-encoding")] and len(result.members) == 1
