"""The catalogue of seeded defects: unique, tied to checked EXIGENCEs, one switch each."""

from __future__ import annotations

import tomllib
from datetime import date

import pytest

from conformance import identities
from conformance.demo import defects as catalogue
from conformance.demo.switches import BEHAVIOURS, DEVIATIONS, TRANSPORT, Switches, switches_for
from conformance.drivers.base import DriverError
from conformance.drivers.registry import load
from conformance.paths import profiles_dir
from conformance.socles.mssante.build.documents import build_document
from conformance.socles.mssante.build.inputs import (
    EHPAD,
    EHPAD_DOCTOR,
    REFERENCE,
    Bal,
    BuildEnv,
    Deviations,
    DocumentRequest,
    Patient,
)
from conformance.socles.mssante.build.mdn import MANUAL_DISPLAYED, build_mdn
from conformance.socles.mssante.build.message import documents_message, text_message

DEFECTS = catalogue.defects_for("mssante")


def _requirements() -> dict[str, dict[str, object]]:
    data = tomllib.loads((profiles_dir() / "mssante" / "requirements.toml").read_text(encoding="utf-8"))
    return {r["id"]: r for r in data["requirement"]}


def test_names_unique_and_enough() -> None:
    names = [d.name for d in catalogue.DEFECTS]
    assert len(names) == len(set(names)) and len(DEFECTS) >= 22
    assert all(d.socle == "mssante" and d.description for d in DEFECTS)


def test_each_defect_breaks_a_checked_exigence() -> None:
    reqs = _requirements()
    for d in DEFECTS:
        assert d.requirement in reqs, d.name
        assert reqs[d.requirement]["level"] == "EXIGENCE" and reqs[d.requirement]["checked"] is True, d.name


def test_every_checked_exigence_has_its_defect() -> None:
    """Sensitivity (DESIGN.md): every requirement the harness checks can be made to fail by a defect."""
    wanted = {rid for rid, r in _requirements().items() if r["level"] == "EXIGENCE" and r["checked"]}
    assert wanted == {d.requirement for d in DEFECTS}


def test_one_switch_per_defect() -> None:
    names = {d.name for d in DEFECTS}
    tables = [set(DEVIATIONS), set(TRANSPORT), set(BEHAVIOURS)]
    assert set().union(*tables) == names
    assert sum(len(t) for t in tables) == len(names)  # no defect in two tables
    for name in names:
        sw = switches_for(name)
        assert sw != Switches(), name
        assert (sw.deviations != REFERENCE) + (sw.tls != Switches().tls) + bool(sw.behaviours) == 1, name
    assert all(dev != REFERENCE for dev in DEVIATIONS.values())


def test_reference_has_no_switch_and_unknown_names_fail() -> None:
    assert switches_for(None) == Switches()
    with pytest.raises(KeyError):
        switches_for("no-such-defect")
    with pytest.raises(KeyError):
        Switches().on("no-such-behaviour")


def test_driver_specs() -> None:
    assert load("demo").name == "demo"
    assert load("demo:missing-nil").name == "demo:missing-nil"
    with pytest.raises(DriverError, match="unknown demo defect"):
        load("demo:no-such-defect")


def _artifacts(dev: Deviations) -> list[bytes]:
    """Everything the DUI builds, with fixed clock and randomness: messages to a pro and to the usager,
    a reply, an MDN."""
    env = BuildEnv.fixed(2)
    patient = Patient.from_identity(identities.patient("resident-qualified"))
    requests = [
        DocumentRequest("11490-0", "Lettre de liaison", "Lettre", date(2026, 11, 20)),
        DocumentRequest("11488-4", "CR ou fiche de consultation ou de visite", "CR", date(2026, 11, 18)),
    ]
    docs = [build_document(patient, r, author=EHPAD_DOCTOR, org=EHPAD, env=env, deviations=dev) for r in requests]
    bal = Bal("dui-app@ehpad-essai.mssante.fr", "EHPAD Essai - Soins")
    sent = [
        documents_message(
            bal,
            [to],
            docs,
            org=EHPAD,
            body="Bonjour",
            nil="N",
            block_reply=True,
            read_receipt=True,
            env=env,
            deviations=dev,
        )
        for to in (patient.address, "a@test-ci-sis.mssante.fr")
    ]
    reply = text_message(
        bal, ["a@test-ci-sis.mssante.fr"], "Re: x", "y", nil="N", env=env, deviations=dev, in_reply_to="<o@x>"
    )
    mdn = build_mdn(
        bal,
        sent[0].msg,
        to="a@test-ci-sis.mssante.fr",
        disposition=MANUAL_DISPLAYED,
        nil="N",
        product="P",
        env=env,
        deviations=dev,
    )
    return [m.data for m in (*sent, reply, mdn)]


@pytest.mark.parametrize("name", sorted(DEVIATIONS))
def test_each_build_defect_changes_what_is_built(name: str) -> None:
    assert _artifacts(DEVIATIONS[name]) != _artifacts(REFERENCE)
