"""Observed-traffic checks, on hand-written session records: a good record passes, a bad one fails."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from conformance import identities
from conformance.model import CheckContext, Finding, Verdict
from conformance.registry import checks_for, reader_for
from conformance.socle import get_socle
from conformance.socles.mssante.checks.session import IMAP_RULES, SMTP_RULES, imap_session, smtp_session

from .helpers import run_checks

BAL = "dui-app@ehpad-essai.mssante.fr"
DOCTOR = "dr.medecin-essai@test-ci-sis.mssante.fr"
ORG_CERT = {
    "subject": f"CN={BAL},OU=990000001,O=TEST EHPAD ESSAI,C=FR",
    "issuer": "CN=TEST AC",
    "san_emails": [BAL],
    "chains_to_test_root": True,
    "client_auth_eku": True,
    "is_org_client_cert": True,
    "sha256": "00",
    "not_after": "2030-01-01",
    "problems": [],
    "bal": BAL,
}


def cmd(verb: str, args: str = "", in_clear: bool = False, code: int | str = 250) -> dict[str, Any]:
    return {"time": "t", "verb": verb, "args": args, "in_clear": in_clear, "reply_code": code, "reply": ""}


def smtp_record(**changes: Any) -> dict[str, Any]:
    """A conformant submission: STARTTLS, TLS 1.3, ORG certificate, DSN asked, within the limit."""
    rec: dict[str, Any] = {
        "schema": "dui-conformance/mssante-session/1",
        "id": "smtp-session#3",
        "protocol": "smtp",
        "variant": "good",
        "peer": "127.0.0.1:1",
        "started": "t",
        "size_limit": 1000,
        "whitelist": identities.whitelist(),
        "starttls_offered": True,
        "starttls_used": True,
        "tls_version": "TLSv1.3",
        "cipher": "TLS_AES_256_GCM_SHA384",
        "client_cert": copy.deepcopy(ORG_CERT),
        "tls_error": None,
        "auth": {"mechanism": "tls-client-certificate", "identity": BAL},
        "commands": [
            cmd("EHLO", "dui", True),
            cmd("STARTTLS", "", True, 220),
            cmd("EHLO", "dui"),
            cmd("MAIL", f"FROM:<{BAL}> SIZE=500"),
            cmd("RCPT", f"TO:<{DOCTOR}> NOTIFY=SUCCESS,FAILURE"),
            cmd("DATA"),
            cmd("QUIT", code=221),
        ],
        "transactions": [
            {
                "mail_from": BAL,
                "mail_params": {"SIZE": "500"},
                "mail_accepted": True,
                "command": 4,
                "rcpts": [
                    {
                        "address": DOCTOR,
                        "params": {"NOTIFY": "SUCCESS,FAILURE"},
                        "accepted": True,
                        "command": 5,
                    }
                ],
                "data_size": 500,
                "data_refused_size": False,
                "data_command": 6,
            }
        ],
    }
    rec.update(changes)
    return rec


def imap_record(**changes: Any) -> dict[str, Any]:
    rec = smtp_record(
        id="imap-session#4",
        protocol="imap",
        transactions=[],
        commands=[
            cmd("CAPABILITY", "", True, "OK"),
            cmd("STARTTLS", "", True, "OK"),
            cmd("AUTHENTICATE", "EXTERNAL", code="OK"),
            cmd("SELECT", "INBOX", code="OK"),
            cmd("LOGOUT", code="OK"),
        ],
    )
    rec.update(changes)
    return rec


def run(rec: dict[str, Any] | bytes, **extra: Any) -> list[Finding]:
    data = rec if isinstance(rec, bytes) else json.dumps(rec).encode()
    protocol = "imap" if not isinstance(rec, bytes) and rec.get("protocol") == "imap" else "smtp"
    whitelist = extra.pop("whitelist", ())
    findings = run_checks(f"{protocol}-session", data, CheckContext(whitelist=whitelist, extra=extra), "record.json")
    for f in findings:
        assert f.message_en and f.message_fr and f.location
    return findings


def verdict(findings: list[Finding], rid: str) -> Verdict:
    mine = [f.verdict for f in findings if f.requirement == rid]
    assert mine, f"no finding for {rid}"
    return max(mine, key=lambda v: v.rank)


def failing(findings: list[Finding], rid: str) -> list[Finding]:
    return [f for f in findings if f.requirement == rid and f.verdict is Verdict.FAIL]


def continued(*verbs: str) -> list[dict[str, Any]]:
    return [cmd("EHLO", "dui", True), cmd("STARTTLS", "", True, 220), *(cmd(v) for v in verbs)]


def test_registered() -> None:
    get_socle("mssante").load_checks()
    assert smtp_session in [c.fn for c in checks_for("smtp-session", ["mssante"])]
    assert imap_session in [c.fn for c in checks_for("imap-session", ["mssante"])]
    for kind, rule in (("smtp-session", "MSS-TLS-01"), ("imap-session", "MSS-TLS-02")):
        rd = reader_for(kind, "mssante")
        assert rd is not None and rd.refusal_rule == rule


def test_good_records_pass() -> None:
    smtp = run(smtp_record(), delivery_receipt=True)
    assert {
        rid: verdict(smtp, rid)
        for rid in (
            "MSS-TLS-01",
            "MSS-TLS-03",
            "MSS-TLS-04",
            "MSS-AUTH-04",
            "MSS-ACK-01",
            "MSS-SIZE-01",
            "MSS-NEG-01",
        )
    } == dict.fromkeys(
        ("MSS-TLS-01", "MSS-TLS-03", "MSS-TLS-04", "MSS-AUTH-04", "MSS-ACK-01", "MSS-SIZE-01", "MSS-NEG-01"),
        Verdict.PASS,
    )
    assert all(verdict(smtp, r) is Verdict.NOT_APPLICABLE for r in ("MSS-TLS-05", "MSS-TLS-06", "MSS-TLS-07"))
    imap = run(imap_record())
    assert verdict(imap, "MSS-TLS-02") is Verdict.PASS and verdict(imap, "MSS-AUTH-04") is Verdict.PASS
    assert not [f for f in smtp + imap if f.verdict is Verdict.FAIL]


@pytest.mark.requirements("MSS-TLS-01")
def test_tls01_mail_in_clear() -> None:
    rec = smtp_record(
        starttls_used=False,
        tls_version=None,
        cipher=None,
        client_cert=None,
        commands=[cmd("EHLO", "dui", True), cmd("MAIL", f"FROM:<{BAL}>", True, 530), cmd("QUIT")],
    )
    [fail] = failing(run(rec), "MSS-TLS-01")
    assert fail.location == "smtp-session#3 command 2 (MAIL FROM)"
    gave_up = smtp_record(
        variant="no-starttls",
        starttls_offered=False,
        starttls_used=False,
        tls_version=None,
        commands=[cmd("EHLO", "dui", True), cmd("QUIT", "", True, 221)],
        transactions=[],
    )
    assert verdict(run(gave_up), "MSS-TLS-01") is Verdict.PASS
    down = smtp_record(variant="down", commands=[], tls_version=None)
    assert verdict(run(down), "MSS-TLS-01") is Verdict.NOT_APPLICABLE
    auth_clear = smtp_record(commands=[cmd("EHLO", "dui", True), cmd("AUTH", "PLAIN", True, 538)])
    assert verdict(run(auth_clear), "MSS-TLS-01") is Verdict.FAIL


@pytest.mark.requirements("MSS-TLS-02")
def test_tls02_login_in_clear() -> None:
    rec = imap_record(commands=[cmd("CAPABILITY", "", True, "OK"), cmd("LOGIN", BAL, True, "NO")])
    [fail] = failing(run(rec), "MSS-TLS-02")
    assert fail.location == "imap-session#4 command 2 (LOGIN)"
    rec = imap_record(commands=[cmd("AUTHENTICATE", "PLAIN", True, "NO")])
    assert verdict(run(rec), "MSS-TLS-02") is Verdict.FAIL


@pytest.mark.requirements("MSS-TLS-03")
def test_tls03_legacy_versions() -> None:
    legacy = smtp_record(
        variant="tls-legacy",
        tls_version="TLSv1.1",
        cipher="ECDHE-RSA-AES256-SHA",
        commands=continued("EHLO", "MAIL"),
    )
    [fail] = failing(run(legacy), "MSS-TLS-03")
    assert fail.location == "smtp-session#3 command 3 (EHLO)"
    refused = smtp_record(
        variant="tls-legacy",
        tls_version=None,
        cipher=None,
        tls_error="tlsv1 alert protocol",
        commands=continued(),
        transactions=[],
    )
    assert verdict(run(refused), "MSS-TLS-03") is Verdict.PASS
    quit_only = smtp_record(tls_version="TLSv1", commands=continued("QUIT"), transactions=[])
    assert verdict(run(quit_only), "MSS-TLS-03") is Verdict.PASS
    no_tls = smtp_record(tls_version=None, commands=[cmd("EHLO", "x", True), cmd("QUIT", "", True)])
    assert verdict(run(no_tls), "MSS-TLS-03") is Verdict.NOT_APPLICABLE


@pytest.mark.requirements("MSS-TLS-04")
@pytest.mark.parametrize(
    ("version", "cipher", "ok"),
    [
        ("TLSv1.3", "TLS_CHACHA20_POLY1305_SHA256", True),
        ("TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256", True),
        ("TLSv1.2", "ECDHE-ECDSA-CHACHA20-POLY1305", True),
        ("TLSv1.2", "DHE-RSA-AES256-GCM-SHA384", True),
        ("TLSv1.2", "AES128-SHA", False),
        ("TLSv1.2", "AES256-GCM-SHA384", False),
        ("TLSv1.2", "ECDHE-RSA-AES128-SHA256", False),
        ("TLSv1.2", "DES-CBC3-SHA", False),
    ],
)
def test_tls04_suites(version: str, cipher: str, ok: bool) -> None:
    rec = smtp_record(tls_version=version, cipher=cipher)
    assert verdict(run(rec), "MSS-TLS-04") is (Verdict.PASS if ok else Verdict.FAIL)
    refused = smtp_record(
        variant="weak-cipher",
        tls_version=None,
        cipher=None,
        tls_error="no shared cipher",
        commands=continued(),
        transactions=[],
    )
    assert verdict(run(refused), "MSS-TLS-04") is Verdict.PASS


@pytest.mark.parametrize(
    ("variant", "rid"),
    [
        pytest.param("rogue-ca", "MSS-TLS-05", marks=pytest.mark.requirements("MSS-TLS-05")),
        pytest.param("expired", "MSS-TLS-06", marks=pytest.mark.requirements("MSS-TLS-06")),
        pytest.param("revoked", "MSS-TLS-07", marks=pytest.mark.requirements("MSS-TLS-07")),
    ],
)
def test_untrusted_server(variant: str, rid: str) -> None:
    accepted = smtp_record(variant=variant)
    [fail] = failing(run(accepted), rid)
    assert fail.location == "smtp-session#3 command 3 (EHLO)"
    refused = smtp_record(
        variant=variant,
        tls_version=None,
        cipher=None,
        tls_error="alert unknown ca",
        client_cert=None,
        commands=continued(),
        transactions=[],
    )
    assert verdict(run(refused), rid) is Verdict.PASS
    closed = smtp_record(variant=variant, commands=continued("QUIT"), transactions=[])
    assert verdict(run(closed), rid) is Verdict.PASS
    in_clear = smtp_record(variant=variant, tls_version=None, commands=[cmd("MAIL", f"FROM:<{BAL}>", True, 530)])
    assert verdict(run(in_clear), rid) is Verdict.FAIL
    others = {"MSS-TLS-05", "MSS-TLS-06", "MSS-TLS-07"} - {rid}
    assert all(verdict(run(accepted), o) is Verdict.NOT_APPLICABLE for o in others)
    assert verdict(run(accepted, variant="good"), rid) is Verdict.FAIL  # the record's own variant wins


@pytest.mark.requirements("MSS-AUTH-04")
def test_auth04_org_certificate() -> None:
    assert verdict(run(smtp_record(client_cert=None)), "MSS-AUTH-04") is Verdict.FAIL
    not_org = dict(
        ORG_CERT,
        is_org_client_cert=False,
        bal=None,
        problems=["no SAN e-mail is a BAL of this operator (SAN: none)"],
    )
    [fail] = failing(run(smtp_record(client_cert=not_org)), "MSS-AUTH-04")
    assert "no SAN e-mail" in fail.message_en
    rogue = dict(ORG_CERT, chains_to_test_root=False)
    assert verdict(run(smtp_record(client_cert=rogue)), "MSS-AUTH-04") is Verdict.FAIL
    rejected = smtp_record(tls_version=None, tls_error="[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    assert verdict(run(rejected), "MSS-AUTH-04") is Verdict.FAIL
    other = smtp_record(tls_version=None, tls_error="unsupported protocol")
    assert verdict(run(other), "MSS-AUTH-04") is Verdict.NOT_APPLICABLE
    assert verdict(run(imap_record(client_cert=None)), "MSS-AUTH-04") is Verdict.FAIL


@pytest.mark.requirements("MSS-ACK-01")
def test_ack01_notify() -> None:
    rec = smtp_record()
    rec["transactions"][0]["rcpts"].append(
        {
            "address": "cardiologie@ch-essai.mssante.fr",
            "params": {"NOTIFY": "FAILURE"},
            "accepted": True,
            "command": 6,
        }
    )
    [fail] = failing(run(rec, delivery_receipt=True), "MSS-ACK-01")
    assert fail.location == "smtp-session#3 command 6 (DATA)"  # the index the record gives
    assert verdict(run(rec), "MSS-ACK-01") is Verdict.NOT_APPLICABLE  # no receipt asked
    no_rcpt = smtp_record(transactions=[])
    assert verdict(run(no_rcpt, delivery_receipt=True), "MSS-ACK-01") is Verdict.NOT_APPLICABLE


@pytest.mark.requirements("MSS-SIZE-01")
def test_size01() -> None:
    declared = smtp_record()
    declared["transactions"][0]["mail_params"]["SIZE"] = "5000"
    [fail] = failing(run(declared), "MSS-SIZE-01")
    assert fail.location == "smtp-session#3 command 4 (MAIL FROM)"
    data = smtp_record()
    data["transactions"][0].update(data_size=None, data_refused_size=True, data_reply="552 Too much mail data")
    [fail] = failing(run(data), "MSS-SIZE-01")
    assert fail.location == "smtp-session#3 command 6 (DATA)"
    from_ctx = smtp_record(size_limit=None)
    assert verdict(run(from_ctx, size_limit=100), "MSS-SIZE-01") is Verdict.FAIL
    assert verdict(run(from_ctx, size_limit=10_000), "MSS-SIZE-01") is Verdict.PASS
    assert verdict(run(smtp_record(transactions=[])), "MSS-SIZE-01") is Verdict.NOT_APPLICABLE


@pytest.mark.requirements("MSS-NEG-01")
def test_neg01_whitelist() -> None:
    rec = smtp_record()
    rec["transactions"][0]["rcpts"][0]["address"] = identities.outside_address()
    [fail] = failing(run(rec), "MSS-NEG-01")
    assert fail.location == "smtp-session#3 command 5 (RCPT TO)"
    assert verdict(run(smtp_record(), whitelist=("other.mssante.fr",)), "MSS-NEG-01") is Verdict.FAIL
    assert verdict(run(smtp_record(transactions=[])), "MSS-NEG-01") is Verdict.NOT_APPLICABLE


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xfe not json",
        b"[1, 2]",
        json.dumps({"schema": "other"}).encode(),
        b"{" * 100_000,
        b" " * (6 * 1024 * 1024),
    ],
    ids=["bytes", "list", "schema", "deep", "huge"],
)
def test_unreadable_record_fails_every_rule(data: bytes) -> None:
    findings = run(data)
    assert sorted(f.requirement for f in findings) == sorted(SMTP_RULES)
    assert all(f.verdict is Verdict.FAIL and f.location == "record.json" for f in findings)
    imap = run_checks("imap-session", data, name="r.json")
    assert sorted(f.requirement for f in imap) == sorted(IMAP_RULES)


def test_odd_shapes_do_not_crash() -> None:
    weird = smtp_record(commands="oops", transactions=[{"rcpts": "x"}, 3], client_cert=["?"], tls_version=7)
    findings = run(weird, delivery_receipt=True)
    assert {f.requirement for f in findings} == set(SMTP_RULES)
