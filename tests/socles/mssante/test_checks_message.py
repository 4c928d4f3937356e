"""MSS-MSG-01..06 on generated messages: each rule passes on the good message, fails on one defect."""

from __future__ import annotations

import pytest

from conformance.model import CheckContext, Verdict

from .helpers import NIL, build_message, run_checks, verdicts
from .helpers import assert_fail as fail
from .helpers import assert_pass as ok


def email(data: bytes, **ctx: object) -> list:
    return run_checks("email", data, CheckContext(**ctx))  # type: ignore[arg-type]


@pytest.mark.requirements("MSS-MSG-01")
def test_envelope_headers_pass_on_good_message() -> None:
    ok(email(build_message()), "MSS-MSG-01")


@pytest.mark.requirements("MSS-MSG-01")
@pytest.mark.parametrize(
    ("headers", "needle"),
    [
        ({"Message-ID": None}, "Message-ID header is missing"),
        ({"Message-ID": "no-angle-brackets@example"}, "not an RFC 5322 msg-id"),
        ({"Message-ID": ["<a@b.fr>", "<c@d.fr>"]}, "appears 2 times"),
        ({"Date": "hier matin"}, "not an RFC 5322 date"),
        ({"Date": None}, "Date header is missing"),
        ({"From": None}, "From header is missing"),
        ({"To": "not an address"}, "not a valid address list"),
        ({"MIME-Version": "2.0"}, "expected 1.0"),
    ],
)
def test_envelope_header_defects_fail(headers: dict, needle: str) -> None:
    fail(email(build_message(headers=headers)), "MSS-MSG-01", needle)


@pytest.mark.requirements("MSS-MSG-01")
def test_broken_mime_structure_is_a_located_failure() -> None:
    data = build_message().replace(b'boundary="', b'boundary="XX', 1)  # no boundary line matches any more
    f = fail(email(data), "MSS-MSG-01", "MIME defect")
    assert f.location.startswith("message body") or f.location.startswith("part")


@pytest.mark.requirements("MSS-MSG-02")
def test_reply_headers() -> None:
    original = "<orig.1@medecin.test-ci-sis.mssante.fr>"
    good = build_message(headers={"In-Reply-To": original, "References": f"<older@x.fr> {original}"})
    ok(email(good, is_reply_to=original), "MSS-MSG-02")
    ok(email(good), "MSS-MSG-02")  # artifact mode: consistency of the message itself
    no_refs = build_message(headers={"In-Reply-To": original})
    fail(email(no_refs, is_reply_to=original), "MSS-MSG-02", "References does not contain")
    missing = build_message()
    fail(email(missing, is_reply_to=original), "MSS-MSG-02", "In-Reply-To does not name")
    assert verdicts(email(missing), "MSS-MSG-02") == {Verdict.NOT_APPLICABLE}


@pytest.mark.requirements("MSS-MSG-03")
def test_text_parts_in_utf8() -> None:
    ok(email(build_message(body="Bonjour, document joint pour Mme MARTIN-ESSAI — été\n")), "MSS-MSG-03")
    latin = build_message(body="Résumé\n").replace(b'charset="utf-8"', b'charset="iso-8859-1"')
    fail(email(latin), "MSS-MSG-03", "charset is iso-8859-1")
    good = build_message(body="plain ascii body\n")
    bad_bytes = good.replace(b"plain ascii body", b"plain \xe9 body")
    fail(email(bad_bytes), "MSS-MSG-03", "not valid UTF-8")


@pytest.mark.requirements("MSS-MSG-03")
def test_header_encoding_must_be_rfc2047_utf8() -> None:
    raw8 = build_message(headers={"Subject": None}).replace(
        b"MIME-Version", "Subject: Résumé\nMIME-Version".encode(), 1
    )
    fail(email(raw8), "MSS-MSG-03", "raw non-ASCII")
    latin_word = build_message(headers={"Subject": None}).replace(
        b"MIME-Version", b"Subject: =?iso-8859-1?q?R=E9sum=E9?=\nMIME-Version", 1
    )
    fail(email(latin_word), "MSS-MSG-03", "encoded word in iso-8859-1")


@pytest.mark.requirements("MSS-MSG-04")
def test_body_type() -> None:
    ok(email(build_message()), "MSS-MSG-04")
    ok(email(build_message(alternative_html=True)), "MSS-MSG-04")
    html_only = build_message().replace(b"Content-Type: text/plain", b"Content-Type: text/html", 1)
    fail(email(html_only), "MSS-MSG-04", "body is text/html")


@pytest.mark.requirements("MSS-MSG-05")
def test_display_name() -> None:
    ok(email(build_message(), sender_bal_type="APP"), "MSS-MSG-05")
    ok(
        email(build_message(from_display="Dr_Marie_DURAND-ESSAI_EHPAD Les Tilleuls"), sender_bal_type="PER"),
        "MSS-MSG-05",
    )
    ok(email(build_message(from_display="Marie_DURAND-ESSAI"), sender_bal_type="PER"), "MSS-MSG-05")
    fail(
        email(build_message(from_display="Marie Durand"), sender_bal_type="PER"),
        "MSS-MSG-05",
        "<Titre>_<Prénom>",
    )
    fail(email(build_message(from_display=None)), "MSS-MSG-05", "no display name")
    bare = build_message(from_display="ehpad.tilleuls@test-ci-sis.mssante.fr")
    fail(email(bare), "MSS-MSG-05", "no display name")


@pytest.mark.requirements("MSS-MSG-06")
def test_x_mss_nil() -> None:
    ok(email(build_message(), expected_nil=NIL), "MSS-MSG-06")
    ok(email(build_message()), "MSS-MSG-06")
    fail(email(build_message(headers={"X-MSS-NIL": None})), "MSS-MSG-06", "must appear once")
    fail(email(build_message(headers={"X-MSS-NIL": ["A", "B"]})), "MSS-MSG-06", "must appear once")
    fail(email(build_message(), expected_nil="OTHER-REF"), "MSS-MSG-06", "expected the product reference")
