"""DMP-C04 (N1 non-structured body) and DMP-C05 (PDF/A-1 claim)."""

from __future__ import annotations

import base64

import pytest

from conformance.model import Verdict

from . import helpers as b
from .helpers import fails, run_cda, verdicts
from .test_cda_header import _drop, _set, _text, _x

TEXT = "cda:component/cda:nonXMLBody/cda:text"


def _body(content: bytes, media: str = "application/pdf") -> bytes:
    root = b.cda_root()
    _text(TEXT, base64.b64encode(content).decode())(root)
    _set(TEXT, "mediaType", media)(root)
    return b.to_bytes(root)


@pytest.mark.requirements("DMP-C04", "DMP-C05")
def test_good_pdf_a_body_passes() -> None:
    found = run_cda(b.to_bytes(b.cda_root()))
    assert verdicts(found, "DMP-C04") == {Verdict.PASS}
    assert verdicts(found, "DMP-C05") == {Verdict.PASS}


@pytest.mark.requirements("DMP-C04")
@pytest.mark.parametrize(
    "data,fragment",
    [
        pytest.param(lambda: b.to_bytes(_mut(_set(TEXT, "representation", "TXT"))), "B64", id="representation"),
        pytest.param(lambda: b.to_bytes(_mut(_set(TEXT, "mediaType", "application/msword"))), "mediaType", id="media"),
        pytest.param(lambda: b.to_bytes(_mut(_text(TEXT, "JVBER!!!not base64"))), "base64", id="bad-base64"),
        pytest.param(lambda: b.to_bytes(_mut(_text(TEXT, ""))), "empty", id="empty"),
        pytest.param(lambda: _body(b"GIF89a not a pdf"), "does not start like application/pdf", id="not-pdf"),
        pytest.param(lambda: _body(b"%PDF-1.4\n%garbage without objects\n"), "cannot be read", id="broken-pdf"),
        pytest.param(lambda: _body(b"hello", "image/jpeg"), "image/jpeg", id="jpeg-magic"),
        pytest.param(
            lambda: b.to_bytes(_mut(_drop("cda:templateId[@root='1.3.6.1.4.1.19376.1.2.20']"))),
            "XDS-SD",
            id="no-sd-template",
        ),
        pytest.param(lambda: b.to_bytes(_mut(_drop(TEXT))), "nonXMLBody/text is missing", id="no-text"),
    ],
)
def test_n1_defect_fails(data, fragment: str) -> None:  # type: ignore[no-untyped-def]
    failed = fails(run_cda(data()), "DMP-C04")
    assert any(fragment in f.message_en for f in failed), [f.message_en for f in failed]


def _mut(mutate):  # type: ignore[no-untyped-def]
    root = b.cda_root()
    mutate(root)
    return root


@pytest.mark.requirements("DMP-C04")
def test_other_media_types_decode_and_pass() -> None:
    assert verdicts(run_cda(_body(b"compte rendu en texte", "text/plain")), "DMP-C04") == {Verdict.PASS}
    assert verdicts(run_cda(_body(b"\xff\xd8\xff\xe0 jpeg", "image/jpeg")), "DMP-C04") == {Verdict.PASS}


@pytest.mark.requirements("DMP-C04")
def test_sd_template_with_structured_body_fails() -> None:
    root = b.dlu_root()
    _x(root, "cda:templateId[@root='1.2.250.1.213.1.1.1.22']").addnext(
        b.etree.Element(f"{{{b.HL7}}}templateId", root="1.3.6.1.4.1.19376.1.2.20")
    )
    assert "no nonXMLBody" in fails(run_cda(b.to_bytes(root)), "DMP-C04")[0].message_en


@pytest.mark.requirements("DMP-C05")
def test_pdf_without_pdfa_claim_warns_through_its_level() -> None:
    found = run_cda(_body(b.make_pdf(pdfa=False)))
    assert verdicts(found, "DMP-C04") == {Verdict.PASS}
    assert verdicts(found, "DMP-C05") == {Verdict.FAIL}  # PRECONISATION: the engine turns it into a warning


@pytest.mark.requirements("DMP-C04", "DMP-C05")
def test_structured_body_is_not_judged_by_n1_rules() -> None:
    found = run_cda(b.to_bytes(b.dlu_root()))
    assert not verdicts(found, "DMP-C04") and not verdicts(found, "DMP-C05")
