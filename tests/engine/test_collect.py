"""The requirement marks of a socle's scenarios, read without running them (and without writing to stdout)."""

from __future__ import annotations

import pytest

from conformance.engine.collect import requirement_marks
from conformance.socle import Socle


def test_marks_of_the_toy_suite(toy: Socle, pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]) -> None:
    assert requirement_marks("toy") == {
        "toy::test_toy::test_upper": ["TOY-01", "TOY-03"],
        "toy::test_toy::test_short": ["TOY-02"],
    }
    assert capsys.readouterr().out == ""  # pytest's collection lines went to stderr


def test_a_suite_that_cannot_be_collected(toy: Socle, pytester: pytest.Pytester) -> None:
    from conformance.engine.collect import CollectionError

    (toy.suite / "test_broken.py").write_text("import nothing_of_that_name\n")
    with pytest.raises(CollectionError, match="could not collect the toy suite"):
        requirement_marks("toy")
