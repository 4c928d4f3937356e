"""`conformance diff`: requirement by requirement, regressions first; a demo:<defect> run names its requirement."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.dossier.compare import CompareError, classify, compare, load_side, render_text
from conformance.socle import all_defects
from tests.dossier.helpers import demo_run, issue

DEFECT = "xds-no-source-id"


@pytest.mark.parametrize(
    ("before", "after", "category"),
    [
        ("pass", "pass", None),
        ("pass", "fail", "regression"),
        ("warn", "fail", "regression"),
        ("not-applicable", "fail", "regression"),
        ("not-tested", "fail", "regression"),
        ("pass", "not-tested", "regression"),
        ("warn", "not-tested", "regression"),
        ("pass", "warn", "new-warning"),
        ("not-applicable", "warn", "new-warning"),
        ("fail", "pass", "improvement"),
        ("fail", "warn", "improvement"),
        ("warn", "pass", "improvement"),
        ("not-tested", "pass", "improvement"),
        (None, "fail", "added"),
        ("pass", None, "removed"),
        ("pass", "not-applicable", "other"),
        ("fail", "not-tested", "other"),
        ("not-checked", "pass", "other"),
    ],
)
def test_classify(before: str | None, after: str | None, category: str | None) -> None:
    assert classify(before, after) == category


def _results(tmp_path: Path, name: str, verdicts: dict[str, dict[str, str]], status: str = "complete") -> Path:
    socles = {
        s: {"verdict": "pass", "requirements": {r: {"verdict": v, "level": "EXIGENCE", "checked": True,
                                                    "title_en": r, "text_fr": r} for r, v in reqs.items()}}
        for s, reqs in verdicts.items()
    }  # fmt: skip
    doc = {"schema": "dui-conformance/results/1", "run_id": name, "status": status, "solution": {}, "socles": socles}
    path = tmp_path / name / "results.json"
    path.parent.mkdir()
    path.write_text(json.dumps(doc))
    return path.parent


def test_regressions_first_then_the_rest(tmp_path: Path) -> None:
    a = _results(tmp_path, "a", {"s1": {"R1": "pass", "R2": "fail", "R3": "pass", "R4": "pass"}, "s2": {"Q1": "pass"}})
    b = _results(tmp_path, "b", {"s1": {"R1": "fail", "R2": "pass", "R3": "warn", "R5": "fail"}}, "incomplete")
    c = compare(load_side(a), load_side(b))
    assert [(x.category, x.socle, x.requirement) for x in c.changes] == [
        ("socle", "s2", ""),
        ("regression", "s1", "R1"),
        ("new-warning", "s1", "R3"),
        ("improvement", "s1", "R2"),
        ("added", "s1", "R5"),
        ("removed", "s1", "R4"),
    ]
    assert c.fails("regression") and c.fails("warning") and not c.fails("never")
    text = render_text(c)
    assert text.index("SOCLES LOST") < text.index("REGRESSIONS") < text.index("NEW WARNINGS")
    assert "B run is incomplete" in text


def test_only_a_new_warning_passes_the_default_gate(tmp_path: Path) -> None:
    c = compare(
        load_side(_results(tmp_path, "a", {"s": {"R": "pass"}})),
        load_side(_results(tmp_path, "b", {"s": {"R": "warn"}})),
    )
    assert not c.fails("regression") and c.fails("warning") and c.fails("change")


def test_certificates_compare_and_lost_counting(certs: Path) -> None:
    a = issue(certs / "a", "4.2.1", counting=("mssante", "dmp"))
    b = issue(certs / "b", "4.2.2", counting=("mssante",), failing=("dmp",))
    c = compare(load_side(a), load_side(b))
    assert [(x.category, x.socle, x.requirement) for x in c.changes] == [
        ("socle", "dmp", ""),
        ("regression", "dmp", "X-01"),
    ]
    json_side = load_side(certs / "b" / "certificate.json")
    assert json_side.kind == "certificate-json" and json_side.verified is None
    assert "not verified" in render_text(compare(load_side(a), json_side))


def test_inputs_that_cannot_be_compared(certs: Path, tmp_path: Path) -> None:
    a = issue(certs / "a", "4.2.1")
    a.write_text(a.read_text(encoding="utf-8").replace("4.2.1", "9.9.9"), encoding="utf-8")
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "other.json").write_text('{"schema": "something/else"}')
    (tmp_path / "list.json").write_text("[]")
    (tmp_path / "empty").mkdir()
    for path, message in [
        (a, "not a valid certificate"),
        (tmp_path / "bad.json", "cannot read"),
        (tmp_path / "other.json", "neither a run"),
        (tmp_path / "list.json", "not a JSON object"),
        (tmp_path / "empty", "neither results.json nor certificate.html"),
        (tmp_path / "missing.json", "does not exist"),
    ]:
        with pytest.raises(CompareError, match=message):
            load_side(path)


@pytest.mark.requirements(next(d.requirement for d in all_defects() if d.name == DEFECT))
def test_demo_against_a_seeded_defect_names_exactly_its_requirement(tmp_path_factory: pytest.TempPathFactory) -> None:
    defect = next(d for d in all_defects() if d.name == DEFECT)
    good, bad = demo_run(tmp_path_factory, "4.2.1"), demo_run(tmp_path_factory, "4.2.1", f"demo:{DEFECT}")
    for a, b in ((good, bad), (good / "certificate.html", bad / "certificate.html")):
        c = compare(load_side(a), load_side(b))
        assert [(x.socle, x.requirement) for x in c.of("regression")] == [(defect.socle, defect.requirement)]
        assert c.fails("regression")
    assert compare(load_side(good), load_side(good)).changes == []
