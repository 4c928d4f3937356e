"""One judgement per set of inputs in a run: scenarios sharing an exchange do not run the checks again.

Verifies no catalog requirement: the memo must leave every verdict as `registry.judge` gives it (the
sensitivity and serial-vs-parallel tests cover the demo's verdicts; here, the keying rules)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conformance import registry
from conformance.engine.judge_memo import JudgeMemo, judgement_key
from conformance.model import Artifact, CheckContext, Finding, Verdict

AT = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """A fresh registry with one check of kind "doc" that notes each artifact it judges."""
    monkeypatch.setattr(registry, "_REG", registry._Registry())
    seen: list[bytes] = []

    def upper(art: Artifact, ctx: CheckContext) -> list[Finding]:
        seen.append(art.data)
        verdict = Verdict.PASS if art.data.isupper() else Verdict.FAIL
        wanted = (ctx.patient or {}).get("ins", "")
        return [Finding("TOY-01", verdict, "upper", "majuscules", f"{art.name} for {wanted}")]

    registry.check("doc", "toy", "TOY-01")(upper)
    return seen


def test_the_same_judgement_is_made_once(calls: list[bytes]) -> None:
    memo = JudgeMemo()
    ctx = CheckContext(patient={"ins": "1"}, at=AT, at_source="capture")
    first = memo.judge(Artifact("doc", "a", b"ABC", {"source": "x"}), ctx, "toy")
    again = memo.judge(Artifact("doc", "a", b"ABC", {"source": "x"}), replace(ctx), "toy")
    assert again == first == registry.judge(Artifact("doc", "a", b"ABC", {"source": "x"}), ctx, ["toy"])
    assert memo.made == 1 and calls == [b"ABC", b"ABC"]  # the memo's one, then registry.judge's own


@pytest.mark.parametrize(
    "other",
    [
        pytest.param(lambda a, c: (replace(a, data=b"abc", _sha256=None), c), id="bytes"),
        pytest.param(lambda a, c: (replace(a, name="b"), c), id="name"),
        pytest.param(lambda a, c: (replace(a, kind="doc2"), c), id="kind"),
        pytest.param(lambda a, c: (replace(a, meta={"source": "y"}), c), id="meta"),
        pytest.param(lambda a, c: (a, replace(c, patient={"ins": "2"})), id="expected patient"),
        pytest.param(lambda a, c: (a, replace(c, at=datetime(2026, 12, 5, 10, 1, tzinfo=UTC))), id="capture time"),
        pytest.param(lambda a, c: (a, replace(c, extra={"part": b"other"})), id="bytes in the context"),
    ],
)
def test_any_difference_in_the_inputs_is_another_judgement(calls: list[bytes], other) -> None:  # type: ignore[no-untyped-def]
    memo = JudgeMemo()
    art = Artifact("doc", "a", b"ABC", {"source": "x"})
    ctx = CheckContext(patient={"ins": "1"}, at=AT, extra={"part": b"one"})
    memo.judge(art, ctx, "toy")
    art2, ctx2 = other(art, ctx)
    assert judgement_key(art2, ctx2, "toy") != judgement_key(art, ctx, "toy")
    assert memo.judge(art2, ctx2, "toy") == registry.judge(art2, ctx2, ["toy"])
    assert memo.made == 2


def test_whose_checks_ran_is_part_of_the_key(calls: list[bytes]) -> None:
    memo = JudgeMemo()
    art, ctx = Artifact("doc", "a", b"ABC"), CheckContext(at=AT)
    memo.judge(art, ctx, "toy")
    assert memo.judge(art, ctx, "other") == registry.judge(art, ctx, ["other"]) and memo.made == 2


def test_a_file_in_the_context_counts_by_its_content(calls: list[bytes], tmp_path: Path) -> None:
    """A CA bundle rewritten between two scenarios (a revoked certificate, a new CRL) is another judgement."""
    bundle = tmp_path / "ca.pem"
    bundle.write_bytes(b"ONE")
    memo = JudgeMemo()
    art, ctx = Artifact("doc", "a", b"ABC"), CheckContext(at=AT, extra={"ca": bundle})
    memo.judge(art, ctx, "toy")
    memo.judge(art, ctx, "toy")
    assert memo.made == 1
    bundle.write_bytes(b"TWO")
    memo.judge(art, ctx, "toy")
    assert memo.made == 2


def test_inputs_that_cannot_be_written_down_are_judged_every_time(calls: list[bytes]) -> None:
    memo = JudgeMemo()
    art, ctx = Artifact("doc", "a", b"ABC"), CheckContext(at=AT, extra={"thing": object()})
    assert judgement_key(art, ctx, "toy") is None
    memo.judge(art, ctx, "toy")
    memo.judge(art, ctx, "toy")
    assert memo.made == 2


def test_the_memo_is_bounded(calls: list[bytes]) -> None:
    memo = JudgeMemo(size=2)
    ctx = CheckContext(at=AT)
    for data in (b"A", b"B", b"C", b"A"):
        memo.judge(Artifact("doc", "a", data), ctx, "toy")
    assert memo.made == 4  # A was dropped when C came


def test_a_large_artifact_is_judged_again_rather_than_kept(calls: list[bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance.engine import judge_memo

    monkeypatch.setattr(judge_memo, "MAX_BYTES", 4)
    memo = JudgeMemo()
    ctx = CheckContext(at=AT)
    for data in (b"ABC", b"ABC", b"ABCDE", b"ABCDE"):
        memo.judge(Artifact("doc", "a", data), ctx, "toy")
    assert memo.made == 3  # ABC once, ABCDE (over the bound) twice
