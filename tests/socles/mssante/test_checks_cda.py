"""Where a CDA is judged: inside an IHE_XDM archive by MSSanté (MSS-XDM-04/05), alone by the DMP socle.

Issue 12: MSS-XDM-04 used to fire on a bare CDA, repeating DMP-I02; a CDA whose first 64 KB held no
"ClinicalDocument" (a long leading comment) was not recognised inside an archive, so an archive whose
CDA names another patient passed.
"""

from __future__ import annotations

import pytest

from conformance.engine.validate import validate_bytes
from conformance.model import Verdict

from .helpers import Doc, cda_bytes, run_checks, xdm_zip
from .helpers import assert_fail as fail
from .helpers import assert_pass as ok

OTHER = dict(Doc().patient, ins="279035121518989")  # another (valid) test INS than the metadata's


@pytest.mark.requirements("MSS-XDM-04")
def test_a_bare_cda_is_judged_once_on_its_ins_by_the_dmp_rules() -> None:
    bad = cda_bytes(Doc(patient=dict(Doc().patient, ins="238047505612395")))
    result = validate_bytes("doc.xml", bad)
    assert result.kind == "cda"
    failing = {f.requirement for f in result.findings if f.verdict is Verdict.FAIL}
    assert "DMP-I02" in failing and not any(r.startswith("MSS-") for r in failing)
    assert run_checks("cda", bad, name="doc.xml") == []


@pytest.mark.requirements("MSS-XDM-04", "MSS-XDM-05")
@pytest.mark.parametrize("comment", [10, 70_000], ids=["short-comment", "comment-beyond-64KB"])
def test_a_cda_behind_a_leading_comment_is_still_a_cda(comment: int) -> None:
    def hidden(d: Doc) -> bytes:
        declaration, _, rest = cda_bytes(d).partition(b"?>")
        return declaration + b"?>\n<!--" + b" x" * comment + b" -->\n" + rest

    ok(run_checks("xdm", xdm_zip(cda=hidden), name="IHE_XDM.zip"), "MSS-XDM-04")
    ok(run_checks("xdm", xdm_zip(cda=hidden), name="IHE_XDM.zip"), "MSS-XDM-05")

    def other_patient(d: Doc) -> bytes:
        return hidden(Doc(patient=OTHER))

    fail(run_checks("xdm", xdm_zip(cda=other_patient), name="IHE_XDM.zip"), "MSS-XDM-04", "CDA")


@pytest.mark.requirements("MSS-XDM-05")
def test_html_presented_as_the_cda_is_not_a_cda() -> None:
    html = b"<!DOCTYPE html>\n<html><body><p>Lettre de liaison</p></body></html>"
    found = run_checks("xdm", xdm_zip(cda=lambda d: html), name="IHE_XDM.zip")
    fail(found, "MSS-XDM-07", "text/xml")
