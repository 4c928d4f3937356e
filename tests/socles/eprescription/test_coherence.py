"""The rules issue 12 added and relaxed: each passes on the good ordonnance and fails (or warns) on the
one-change variant that breaks it, with its place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from conformance.formats.ins import with_key
from conformance.model import CheckContext, Verdict
from conformance.socles.eprescription.checks.units import ucum_problem
from tests.socles.eprescription.helpers import LINE1, LINE2, PATIENT, failures, findings, good, res, variant, verdict

AT = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)  # 08:00 in Paris: the good ordonnance is written at 07:30+01:00
CTX = CheckContext(extra={"at": AT})


def _line(field: str, value: Any, i: int = LINE1) -> Any:
    def change(b: dict[str, Any]) -> None:
        res(b, i)[field] = value

    return change


@pytest.mark.requirements("EP-29")
def test_authored_in_the_future() -> None:
    assert verdict(findings(good(), CTX), "EP-29") is Verdict.PASS
    skew_ok = variant(_line("authoredOn", "2026-01-05T08:09:00+01:00"))  # 9 minutes ahead: within the skew
    assert verdict(findings(skew_ok, CTX), "EP-29") is Verdict.PASS
    late = variant(_line("authoredOn", "2026-01-05T08:11:00+01:00"))
    (f,) = failures(findings(late, CTX), "EP-29")
    assert f.location.endswith(".authoredOn") and "2026-01-05T07:00:00Z" in f.message_en
    # a date is in the future when that day has not begun anywhere (UTC+14) at the reference time
    assert verdict(findings(variant(_line("authoredOn", "2026-01-05")), CTX), "EP-29") is Verdict.PASS
    assert verdict(findings(variant(_line("authoredOn", "2026-01-06")), CTX), "EP-29") is Verdict.FAIL


@pytest.mark.requirements("EP-29")
def test_without_a_reference_time_the_validation_time_is_said() -> None:
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat(timespec="seconds")
    (f,) = failures(findings(variant(_line("authoredOn", future))), "EP-29")
    assert "validation time" in f.message_en and "heure de validation" in f.message_fr


@pytest.mark.requirements("EP-30")
@pytest.mark.parametrize("kind,ok", [("collection", True), ("searchset", True), ("history", False), ("batch", False)])
def test_bundle_type(kind: str, ok: bool) -> None:
    b = good()
    b["type"] = kind
    assert verdict(findings(b), "EP-30") is (Verdict.PASS if ok else Verdict.FAIL)


@pytest.mark.requirements("EP-31")
@pytest.mark.parametrize("intent,ok", [("order", True), ("original-order", True), ("proposal", False), ("plan", False)])
def test_line_intent(intent: str, ok: bool) -> None:
    found = findings(variant(_line("intent", intent)))
    assert verdict(found, "EP-31") is (Verdict.PASS if ok else Verdict.FAIL)


@pytest.mark.parametrize("code", ["mg", "mL", "ug/min", "mg/(24.h)", "10*3/uL", "[iU]", "/d", "%"])
def test_ucum_codes_that_parse(code: str) -> None:
    assert ucum_problem(code) is None


@pytest.mark.parametrize("code", ["mg/prise", "j", "cp", "ml/h ", "µg", "", "x" * 300])
def test_codes_that_are_not_ucum(code: str) -> None:
    assert ucum_problem(code) is not None


@pytest.mark.requirements("EP-32")
def test_dose_unit_not_ucum() -> None:
    assert verdict(findings(good()), "EP-32") is Verdict.PASS

    def bad_unit(b: dict[str, Any]) -> None:
        q = res(b, LINE1)["dosageInstruction"][0]["maxDosePerPeriod"]["numerator"]
        q.update(code="gr", unit="gramme")

    (f,) = failures(findings(variant(bad_unit)), "EP-32")
    assert f.location.endswith("maxDosePerPeriod.numerator.code")
    assert verdict(findings(variant(bad_unit)), "EP-13") is Verdict.PASS  # one rule per defect


@pytest.mark.requirements("EP-33")
def test_one_ordonnance_one_patient() -> None:
    assert verdict(findings(good()), "EP-33") is Verdict.PASS

    def second_patient(b: dict[str, Any]) -> None:
        other = dict(
            res(b, PATIENT), identifier=[dict(res(b, PATIENT)["identifier"][0], value=with_key("1450969123045"))]
        )
        other.update(gender="male", birthDate="1945-09-21")
        b["entry"].append({"fullUrl": "urn:uuid:5f0c3a53-7c1e-4b8e-9d0a-1f6f3c2a0077", "resource": other})
        res(b, LINE2)["subject"] = {"reference": "urn:uuid:5f0c3a53-7c1e-4b8e-9d0a-1f6f3c2a0077"}

    (f,) = failures(findings(variant(second_patient)), "EP-33")
    assert f.location.endswith(".subject") and "145096912304" in f.message_en

    def other_ordonnance(b: dict[str, Any]) -> None:  # another groupIdentifier: two ordonnances, allowed
        second_patient(b)
        res(b, LINE2)["groupIdentifier"] = dict(res(b, LINE2)["groupIdentifier"], value="ORD-ESSAI-0002")

    assert not failures(findings(variant(other_ordonnance)), "EP-33")


@pytest.mark.requirements("ID-04")
@pytest.mark.parametrize(
    "change,field",
    [
        ({"gender": "male"}, "gender"),
        ({"birthDate": "1939-04-12"}, "birthDate"),
        ({"birthDate": "1938-05-12"}, "birthDate"),
    ],
)
def test_ins_traits_disagree(change: dict[str, str], field: str) -> None:
    assert verdict(findings(good()), "ID-04") is Verdict.PASS

    def edit(b: dict[str, Any]) -> None:
        res(b, PATIENT).update(change)

    (f,) = failures(findings(variant(edit)), "ID-04")
    assert f.location.endswith(field) and "238047505612394" in f.message_fr


@pytest.mark.requirements("EP-16")
@pytest.mark.parametrize(
    "end,ok",
    [
        ("2026-01-12T07:59:59+01:00", True),  # computed: start + 7 d − 1 s
        ("2026-01-10T17:59:59+01:00", True),  # entered by the prescriber: "jusqu'au 10 à 18 h", seconds 59
        ("2026-01-12T08:00:00+01:00", False),  # inclusive end
        ("2026-01-04T08:00:00+01:00", False),  # before the start
    ],
)
def test_treatment_end_computed_or_entered(end: str, ok: bool) -> None:
    def change(b: dict[str, Any]) -> None:
        res(b, LINE1)["dosageInstruction"][0]["timing"]["repeat"]["boundsPeriod"]["end"] = end

    assert verdict(findings(variant(change)), "EP-16") is (Verdict.PASS if ok else Verdict.FAIL)
