"""The MSSanté defects table: tied to checked EXIGENCEs, one switch each, every switch in the table."""

from __future__ import annotations

import tomllib
from dataclasses import fields, replace
from datetime import date
from typing import Any

import pytest

from conformance import identities
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
from conformance.socles.mssante.reference.client import NO_FLAWS, TlsFlaws
from conformance.socles.mssante.reference.defects import DEFECTS
from conformance.socles.mssante.reference.switches import Lapse, Switches

DEVIATIONS = {d.name: d.switch for d in DEFECTS if isinstance(d.switch, Deviations)}


def _requirements() -> dict[str, dict[str, object]]:
    data = tomllib.loads((profiles_dir() / "mssante" / "requirements.toml").read_text(encoding="utf-8"))
    return {r["id"]: r for r in data["requirement"]}


def test_names_unique_and_enough() -> None:
    names = [d.name for d in DEFECTS]
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
    for d in DEFECTS:
        sw = Switches.of(d)
        assert sw != Switches(), d.name
        assert (sw.deviations != REFERENCE) + (sw.tls != NO_FLAWS) + (sw.lapse is not None) == 1, d.name
    assert all(dev != REFERENCE for dev in DEVIATIONS.values())
    lapses = [d.switch for d in DEFECTS if isinstance(d.switch, Lapse)]
    assert len(lapses) == len(set(lapses))  # no two defects with the same lapse


def _departed(switches: list[Any], reference: Any) -> set[str]:
    """The fields in which some of `switches` depart from `reference`."""
    return {f.name for s in switches for f in fields(s) if getattr(s, f.name) != getattr(reference, f.name)}


def test_every_switch_the_part_reads_belongs_to_a_row() -> None:
    """No switch outside the table: every lapse and transport flaw is some defect's, and so is every departure
    of the built artifacts except the two the harness's own odd incoming messages use."""
    switches = [d.switch for d in DEFECTS]
    assert {s for s in switches if isinstance(s, Lapse)} == set(Lapse)
    assert _departed([s for s in switches if isinstance(s, TlsFlaws)], NO_FLAWS) == {f.name for f in fields(TlsFlaws)}
    harness_only = {"junk_entries", "uri_case_mismatch"}
    assert _departed(list(DEVIATIONS.values()), REFERENCE) == {f.name for f in fields(Deviations)} - harness_only


def test_reference_has_no_switch_and_foreign_switches_fail() -> None:
    assert Switches.of(None) == Switches()
    with pytest.raises(TypeError):
        Switches.of(replace(DEFECTS[0], switch="no-such-switch"))


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
