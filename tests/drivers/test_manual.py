"""The manual driver prompts a person with each socle's own words for its verbs, and never guesses."""

from __future__ import annotations

import io

import pytest

from conformance.demo import DemoDriver
from conformance.drivers.base import Action, DriverError
from conformance.drivers.manual import ManualDriver


def test_every_verb_of_the_reference_dui_has_its_prompt() -> None:
    prompts = ManualDriver(timeout=1).prompts
    assert set(prompts) == set(DemoDriver().verbs)
    assert all(p.fr and p.en for p in prompts.values())
    assert {v for v, p in prompts.items() if not p.answer} == {
        "mssante.send_documents",
        "mssante.reply",
        "mssante.send_mdn",
    }


def test_wire_visible_verbs_return_at_once(capsys: pytest.CaptureFixture[str]) -> None:
    out = ManualDriver(timeout=1).act(Action("mssante.reply", {"message_id": "<m@x>"}))
    assert out.ok and out.detail == "performed by a person"
    printed = capsys.readouterr().out
    assert "FR : Répondez au message indiqué." in printed and "EN : Reply to the message shown." in printed


def test_unknown_verbs_are_shown_as_they_are(capsys: pytest.CaptureFixture[str]) -> None:
    assert ManualDriver(timeout=1).act(Action("other.verb", {})).ok
    assert "FR : Action other.verb" in capsys.readouterr().out


@pytest.mark.parametrize("verb", ["mssante.receive", "dmp.feed", "eprescription.cancel"])
def test_answers_need_a_terminal(verb: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO('{"entries": []}\n'))
    with pytest.raises(DriverError, match="needs a terminal"):
        ManualDriver(timeout=1).act(Action(verb, {}))


def test_the_answer_is_the_outcome(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Terminal('{"status": "refused", "detail": "non qualifiée"}\n'))
    out = ManualDriver(timeout=1).act(Action("dmp.feed", {}))
    assert out.status == "refused" and out.detail == "non qualifiée"
    monkeypatch.setattr("sys.stdin", Terminal('{"entries": []}\n'))
    assert ManualDriver(timeout=1).act(Action("dui.audit_trail", {})).data == {"entries": []}
