"""What a NIR/NIA encodes (sex digit, birth year and month) against the patient's traits."""

from __future__ import annotations

import pytest

from conformance.formats.ins import traits_disagreement

WOMAN_1938_04 = "238047505612394"  # 2 38 04 ... (a synthetic test INS with a valid key)


@pytest.mark.parametrize(
    ("birth", "sex", "problems"),
    [
        ("19380412", "F", 0),
        ("1938-04-12", "female", 0),  # FHIR forms
        ("19380412", "M", 1),
        ("19390412", "F", 1),
        ("19380512", "F", 1),
        ("19390512", "M", 3),
        (None, None, 0),
        ("1938", "UN", 0),  # year only, indeterminate sex: nothing more to compare
    ],
)
def test_traits_against_the_matricule(birth: str | None, sex: str | None, problems: int) -> None:
    assert len(traits_disagreement(WOMAN_1938_04, birth, sex)) == problems


def test_what_is_not_compared() -> None:
    assert traits_disagreement("238047505612300", "19990101", "M") == []  # a wrong key is the key rule's finding
    unknown_month = "2382075056123"  # month 20: unknown month of birth
    from conformance.formats.ins import with_key

    assert traits_disagreement(with_key(unknown_month), "19380712", "F") == []
    provisional = with_key("7380475056123")  # sex digit 7: a provisional number carries no sex
    assert traits_disagreement(provisional, "19380412", "M") == []
