"""FINESS numbers: format and département are errors, a wrong key only a warning (the algorithm is unpublished)."""

from __future__ import annotations

import pytest

from conformance.dossier.finess import Zone, check_finess, luhn_ok

# Numbers ANS and the administration publish: ansforge/finess sample flux (structures, 2026-03-09) and
# ARHGOS specification; the Corse-du-Sud record 2A-2025-178; the DLU example of the DMP specification.
PUBLISHED = ("010000016", "010000156", "010780195", "010000164", "010787190", "010000172", "750803447", "970100400",
             "970112470", "2A0000022", "2A0000170", "2A0000386", "2A0002606")  # fmt: skip


def keys(value: str) -> list[str]:
    return [i.key for i in check_finess(value).issues]


def test_luhn_reference_values() -> None:
    assert luhn_ok("79927398713") and not luhn_ok("79927398710")  # the classic example of ISO/IEC 7812-1
    assert luhn_ok("0") and not luhn_ok("1")


@pytest.mark.parametrize("value", PUBLISHED)
def test_published_numbers_pass(value: str) -> None:
    result = check_finess(value)
    assert result.valid and result.key_checked and result.issues == ()


def test_the_one_published_exception_is_only_a_warning() -> None:
    # an EJ of the ARHGOS specification's example does not follow Luhn: why the key is never an error
    result = check_finess("970700186")
    assert result.valid and keys("970700186") == ["finess-key"]


@pytest.mark.parametrize(
    ("value", "departement", "zone"),
    [("010000016", "01", Zone.METROPOLE), ("2A0000022", "2A", Zone.CORSICA), ("970100400", "970", Zone.OVERSEAS)],
)
def test_departement_and_zone(value: str, departement: str, zone: Zone) -> None:
    result = check_finess(value)
    assert (result.departement, result.zone) == (departement, zone)


def test_separators_and_case_are_normalised() -> None:
    assert check_finess(" 01 000 001 6 ").value == "010000016"
    assert check_finess("2a0000022").value == "2A0000022"
    assert check_finess("75-080.344-7").valid


def test_haute_corse_key_is_not_checked() -> None:
    result = check_finess("2B0000021")
    assert result.valid and result.zone is Zone.CORSICA and not result.key_checked


def test_spreadsheet_dropped_leading_zero() -> None:
    result = check_finess("10000016")
    assert result.value == "010000016" and result.valid and keys("10000016") == ["finess-leading-zero"]


@pytest.mark.parametrize("value", ["010000017", "750803440", "2A0000023", "970100401"])
def test_wrong_key_is_a_warning(value: str) -> None:
    result = check_finess(value)
    assert result.valid and keys(value) == ["finess-key"]


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("", "finess-empty"),
        ("   ", "finess-empty"),
        ("12345", "finess-format"),
        ("0100000161", "finess-format"),
        ("01000001É", "finess-format"),
        ("ABCDEFGHI", "finess-departement"),
        ("2C0000022", "finess-departement"),
        ("200000016", "finess-departement"),  # the old Corsica code, rejected by FINESS
        ("980000010", "finess-departement"),  # collectivities outside FINESS
        ("960000010", "finess-departement"),
        ("000000000", "finess-departement"),
        ("01A000016", "finess-format"),
    ],
)
def test_format_and_departement_errors(value: str, key: str) -> None:
    result = check_finess(value)
    assert not result.valid and keys(value)[-1] == key
