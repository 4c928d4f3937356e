"""The MSSanté checks are written the one way: registered with catalog requirements, over (subject, ctx),
each kind read once by a reader that refuses what cannot be read, with the refusal rule's reason."""

from __future__ import annotations

import pytest

from conformance import registry
from conformance.model import Verdict
from conformance.observations import kind_of
from conformance.requirements import catalog_for
from conformance.socle import get_socle

from .helpers import Doc, cda_bytes, run_checks, xdm_zip

KINDS = {  # kind -> the rule that fails when an artifact of that kind cannot be read
    "email": "MSS-MSG-01",
    "xdm": "MSS-XDM-01",
    "pdf": "MSS-DOC-03",
    "smtp-session": "MSS-TLS-01",
    "imap-session": "MSS-TLS-02",
}


@pytest.fixture(scope="module", autouse=True)
def loaded() -> None:
    get_socle("mssante").load_checks()


def _mine() -> list[registry.RegisteredCheck]:
    """The socle's checks of artifacts (its observation judges are tested in tests/socles/test_observations.py)."""
    return [c for c in registry.all_checks() if c.socle == "mssante" and c.kind != kind_of("mssante")]


def test_every_check_judges_catalog_requirements_over_subject_and_ctx() -> None:
    known = set(catalog_for("mssante").requirements)
    checks = _mine()
    assert len(checks) >= 20
    for rc in checks:
        assert rc.requirements, f"{rc.name} declares no requirement"
        assert set(rc.requirements) <= known, f"{rc.name}: {sorted(set(rc.requirements) - known)} not in the catalog"
        assert registry.signature_ok(rc.fn), f"{rc.name} is not fn(subject, ctx)"
    assert {rc.kind for rc in checks} == set(KINDS)


@pytest.mark.parametrize(("kind", "rule"), KINDS.items())
def test_each_kind_has_a_reader_with_a_catalog_refusal_rule(kind: str, rule: str) -> None:
    rd = registry.reader_for(kind, "mssante")
    assert rd is not None and rd.refusal_rule == rule
    assert rule in catalog_for("mssante").requirements


@pytest.mark.requirements("MSS-MSG-01")
def test_a_refused_message_fails_every_email_rule_with_the_reason() -> None:
    found = run_checks("email", b"From: a@b.fr\n" + b"X-Long: " + b"x" * 300_000 + b"\n\nbody")
    email_rules = {rid for rc in registry.checks_for("email", ["mssante"]) for rid in rc.requirements}
    assert {f.requirement for f in found} == email_rules
    assert all(f.verdict is Verdict.FAIL and f.location == "message" for f in found)
    [first] = [f for f in found if f.requirement == "MSS-MSG-01"]
    assert first.message_en.startswith("message refused: ") and first.message_fr.startswith("message refusé : ")
    others = [f for f in found if f.requirement != "MSS-MSG-01"]
    assert all(f.message_en.startswith("cannot be verified: the message is refused (") for f in others)
    assert all(f.message_fr.startswith("invérifiable : le message est refusé (") for f in others)


@pytest.mark.requirements("MSS-XDM-01", "MSS-XDM-02", "MSS-XDM-03", "MSS-XDM-04", "MSS-XDM-05", "MSS-XDM-07")
def test_an_unreadable_archive_fails_the_xdm_rules_as_before() -> None:
    found = run_checks("xdm", b"PK\x03\x04 not a zip", name="IHE_XDM.zip")
    assert [f.requirement for f in found] == [
        "MSS-XDM-01",
        "MSS-XDM-02",
        "MSS-XDM-03",
        "MSS-XDM-04",
        "MSS-XDM-05",
        "MSS-XDM-07",
    ]
    assert found[0].message_en.startswith("the IHE_XDM archive cannot be read: ")
    assert {f.message_en for f in found[1:]} == {
        "cannot be verified: the IHE_XDM archive is unreadable (see MSS-XDM-01)"
    }
    assert all(f.location == "IHE_XDM.zip" and f.verdict is Verdict.FAIL for f in found)
    assert run_checks("xdm", xdm_zip(), name="IHE_XDM.zip")  # and a readable one is judged


def test_a_cda_alone_is_not_mssantes() -> None:
    """A CDA given alone is judged by the DMP socle (DMP-I01/I02 on its INS): MSSanté judges a CDA only
    as a document of an archive (MSS-XDM-04/05), so no rule reports the same INS twice."""
    assert registry.reader_for("cda", "mssante") is None and not registry.checks_for("cda", ["mssante"])
    assert run_checks("cda", cda_bytes(Doc()), name="doc.xml") == []


@pytest.mark.requirements("MSS-DOC-03")
def test_an_unreadable_pdf_is_not_refused_it_fails_with_its_reason() -> None:
    found = run_checks("pdf", b"not a pdf at all", name="20261120_Lettre_MARTIN-ESSAI_Jeanne.pdf")
    assert [(f.verdict, f.location.endswith("(file name)")) for f in found] == [
        (Verdict.FAIL, False),
        (Verdict.NOT_APPLICABLE, True),  # a bare file's name is not an attachment name
    ]
