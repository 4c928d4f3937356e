"""Checks over the traffic the mock operator observed: one SMTP or IMAP session record at a time.

The record (artifact kind `smtp-session` / `imap-session`, read by readers.py into a `Session`)
says, command by command, what the DUI sent, whether it was before TLS, which TLS it accepted and
which certificate it presented. The scenario's expectations come in `ctx.extra`: "variant" (what
the operator did wrong; the record's own field wins), "delivery_receipt", "size_limit"; the liste
blanche in `ctx.whitelist`. A rule that does not apply to a session says not-applicable.

"Continued" below means: the DUI sent a command other than QUIT/LOGOUT after the handshake.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from conformance import messages
from conformance.messages import Text
from conformance.model import CheckContext, Finding
from conformance.registry import check
from conformance.socles.mssante.messages import M

from .sessionview import Session, dict_of, list_of

SMTP_IN_CLEAR = {"MAIL", "RCPT", "DATA", "AUTH"}
IMAP_IN_CLEAR = {"LOGIN", "AUTHENTICATE"}
LEGACY_TLS = {"SSLv2", "SSLv3", "TLSv1", "TLSv1.1"}
_GOOD_SUITE = re.compile(r"^(ECDHE|DHE)-.*(GCM|CHACHA20)")
UNTRUSTED = {  # variant -> (requirement, what the server presented)
    "rogue-ca": ("MSS-TLS-05", M.text("variant.rogue-ca")),
    "expired": ("MSS-TLS-06", M.text("variant.expired")),
    "revoked": ("MSS-TLS-07", M.text("variant.revoked")),
}
TRANSPORT_RULES = ["MSS-TLS-03", "MSS-TLS-04", "MSS-TLS-05", "MSS-TLS-06", "MSS-TLS-07", "MSS-AUTH-04"]
SMTP_RULES = ["MSS-TLS-01", *TRANSPORT_RULES, "MSS-ACK-01", "MSS-SIZE-01", "MSS-NEG-01"]
IMAP_RULES = ["MSS-TLS-02", *TRANSPORT_RULES]


# -- transport -------------------------------------------------------------------------------
def tls_before_credentials(s: Session, rid: str, verbs: set[str]) -> Iterator[Finding]:
    """MSS-TLS-01 (SMTP) / MSS-TLS-02 (IMAP): nothing that carries mail or credentials before TLS."""
    if s.variant == "down":
        yield M.not_applicable(rid, "session.operator-down", s.id)
        return
    problems = [
        (M.text("tls.in-clear", verb=c.get("verb"), variant=s.variant), s.where(i))
        for i, c in s.numbered()
        if c.get("in_clear") is True and str(c.get("verb")) in verbs
    ]
    names = "/".join(sorted(verbs))
    how = (
        M.text("tls.starttls-first", verbs=names)
        if s.data.get("starttls_used")
        else M.text("tls.client-gave-up", verbs=names)
    )
    yield from messages.fails_or_pass(rid, problems, how, s.id)


def tls_version(s: Session) -> Iterator[Finding]:
    """MSS-TLS-03: no session carried on over TLS < 1.2."""
    rid = "MSS-TLS-03"
    after = s.continued()
    if s.tls_version in LEGACY_TLS and after is not None:
        yield M.fail(rid, "tls.legacy-continued", s.where(after[0]), version=s.tls_version)
    elif (s.tls_version in LEGACY_TLS or s.variant == "tls-legacy") and s.tls_error:
        yield M.passed(rid, "tls.legacy-refused", s.id, error=s.tls_error)
    elif s.tls_version in LEGACY_TLS or s.variant == "tls-legacy":
        yield M.passed(rid, "tls.legacy-abandoned", s.id)
    elif s.tls_version is None:
        yield M.not_applicable(rid, "tls.no-session", s.id)
    else:
        yield M.passed(rid, "tls.version-ok", s.id, version=s.tls_version)


def strong_suite(version: str | None, cipher: str) -> bool:
    return version == "TLSv1.3" or cipher.startswith("TLS_") or bool(_GOOD_SUITE.match(cipher))


def cipher_suite(s: Session) -> Iterator[Finding]:
    """MSS-TLS-04: TLS 1.3, or ECDHE/DHE with an AEAD (GCM, ChaCha20-Poly1305)."""
    rid = "MSS-TLS-04"
    after = s.continued()
    weak = s.tls_version is not None and not strong_suite(s.tls_version, s.cipher)
    if weak and after is not None:
        yield M.fail(rid, "tls.weak-continued", s.where(after[0]), cipher=s.cipher)
    elif (weak or s.variant == "weak-cipher") and s.tls_error:
        yield M.passed(rid, "tls.weak-refused", s.id, error=s.tls_error)
    elif weak or s.variant == "weak-cipher":
        yield M.passed(rid, "tls.weak-abandoned", s.id)
    elif s.tls_version is None:
        yield M.not_applicable(rid, "tls.no-session", s.id)
    else:
        yield M.passed(rid, "tls.suite-ok", s.id, cipher=s.cipher, version=s.tls_version)


def _untrusted(s: Session, rid: str, what: Text, verbs: set[str]) -> Finding:
    """Facing a server it must not trust, the DUI sent nothing more (in TLS or in clear)."""
    after = s.continued()
    clear = next(
        ((i, c) for i, c in s.numbered() if c.get("in_clear") is True and str(c.get("verb")) in verbs),
        None,
    )
    if after is not None:
        return M.fail(rid, "untrusted.accepted", s.where(after[0]), what=what, verb=after[1].get("verb"))
    if clear is not None:
        return M.fail(rid, "untrusted.sent-in-clear", s.where(clear[0]), what=what, verb=clear[1].get("verb"))
    if s.tls_error:
        return M.passed(rid, "untrusted.client-refused", s.id, what=what, error=s.tls_error)
    return M.passed(rid, "untrusted.nothing-sent", s.id, what=what)


def untrusted_server(s: Session, verbs: set[str]) -> Iterator[Finding]:
    """MSS-TLS-05/06/07: facing a rogue, expired or revoked certificate, the DUI goes no further."""
    for variant, (rid, what) in UNTRUSTED.items():
        if s.variant != variant:
            yield M.not_applicable(rid, "untrusted.not-presented", s.id, what=what)
        else:
            yield _untrusted(s, rid, what, verbs)


def org_certificate(s: Session) -> Iterator[Finding]:
    """MSS-AUTH-04: the applicative BAL authenticates with an IGC-Santé ORG certificate (mutual TLS)."""
    rid = "MSS-AUTH-04"
    if s.variant == "down":
        yield M.not_applicable(rid, "session.operator-down", s.id)
        return
    if s.tls_version is None:
        if "certificate verify failed" in s.tls_error.lower():
            yield M.fail(rid, "auth.cert-rejected", s.id, error=s.tls_error)
        else:
            yield M.not_applicable(rid, "tls.no-session", s.id)
        return
    cert = s.data.get("client_cert")
    if not isinstance(cert, dict):
        yield M.fail(rid, "auth.no-cert", s.id)
        return
    subject = str(cert.get("subject", "?"))
    if cert.get("is_org_client_cert") is True and cert.get("chains_to_test_root") is True:
        bal = str(cert.get("bal") or "").lower()
        others = [t for t in s.transactions if str(t.get("mail_from") or "").lower() not in ("", bal)]
        for txn in others:  # the certificate authenticates one BAL: the envelope sender must be that BAL
            where = s.where(_int(txn.get("command")))
            yield M.fail(rid, "auth.sender-not-bal", where, sender=txn.get("mail_from"), bal=bal)
        if not others:
            yield M.passed(rid, "auth.org-ok", s.id, subject=subject, bal=cert.get("bal"))
        return
    problems = "; ".join(str(p) for p in list_of(cert.get("problems"))) or "not an ORG client certificate"
    yield M.fail(rid, "auth.cert-bad", s.id, subject=subject, problems=problems)


# -- SMTP envelope ---------------------------------------------------------------------------
def delivery_receipt(s: Session, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-ACK-01: when a receipt is asked, every RCPT carries NOTIFY=SUCCESS,FAILURE (RFC 3461)."""
    rid = "MSS-ACK-01"
    if not ctx.extra.get("delivery_receipt"):
        yield M.not_applicable(rid, "dsn.not-asked", s.id)
        return
    rcpts = list(s.rcpts())
    if not rcpts:
        yield M.not_applicable(rid, "session.no-recipient", s.id)
        return
    problems = []
    for _txn, rcpt in rcpts:
        params = dict_of(rcpt.get("params"))
        notify = {v.strip().upper() for v in str(params.get("NOTIFY", "")).split(",") if v.strip()}
        if not {"SUCCESS", "FAILURE"} <= notify:
            text = M.text("dsn.notify-missing", address=rcpt.get("address"), got=params.get("NOTIFY"))
            problems.append((text, s.where(_int(rcpt.get("command")))))
    yield from messages.fails_or_pass(rid, problems, M.text("dsn.ok", count=len(rcpts)), s.id)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def size_limit(s: Session, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-SIZE-01: neither the declared SIZE nor the DATA goes past the limit the operator announced."""
    rid = "MSS-SIZE-01"
    limit = _int(s.data.get("size_limit")) or _int(ctx.extra.get("size_limit"))
    if not s.transactions or not limit:
        yield M.not_applicable(rid, "size.no-transaction", s.id)
        return
    problems = []
    for txn in s.transactions:
        declared = _int(dict_of(txn.get("mail_params")).get("SIZE"))
        if declared > limit:
            text = M.text("size.declared-over", declared=declared, limit=limit)
            problems.append((text, s.where(_int(txn.get("command")))))
        elif txn.get("data_refused_size") is True or _int(txn.get("data_size")) > limit:
            text = M.text("size.data-over", limit=limit, reply=txn.get("data_reply"))
            problems.append((text, s.where(_int(txn.get("data_command")))))
    yield from messages.fails_or_pass(rid, problems, M.text("size.ok", limit=limit), s.id)


def whitelist(s: Session, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-NEG-01: no recipient outside the liste blanche of MSSanté domains."""
    rid = "MSS-NEG-01"
    allowed = {d.lower() for d in (ctx.whitelist or tuple(str(d) for d in list_of(s.data.get("whitelist"))))}
    rcpts = list(s.rcpts())
    if not rcpts:
        yield M.not_applicable(rid, "session.no-recipient", s.id)
        return
    outside = [r for _t, r in rcpts if str(r.get("address", "")).rpartition("@")[2].lower() not in allowed]
    problems = [
        (M.text("whitelist.outside", address=r.get("address")), s.where(_int(r.get("command")))) for r in outside
    ]
    yield from messages.fails_or_pass(rid, problems, M.text("whitelist.ok", count=len(rcpts)), s.id)


# -- registered checks -----------------------------------------------------------------------
def _common(s: Session, verbs: set[str]) -> Iterable[Finding]:
    yield from tls_version(s)
    yield from cipher_suite(s)
    yield from untrusted_server(s, verbs)
    yield from org_certificate(s)


@check("smtp-session", "mssante", *SMTP_RULES)
def smtp_session(s: Session, ctx: CheckContext) -> Iterable[Finding]:
    return [
        *tls_before_credentials(s, "MSS-TLS-01", SMTP_IN_CLEAR),
        *_common(s, SMTP_IN_CLEAR),
        *delivery_receipt(s, ctx),
        *size_limit(s, ctx),
        *whitelist(s, ctx),
    ]


@check("imap-session", "mssante", *IMAP_RULES)
def imap_session(s: Session, ctx: CheckContext) -> Iterable[Finding]:
    return [*tls_before_credentials(s, "MSS-TLS-02", IMAP_IN_CLEAR), *_common(s, IMAP_IN_CLEAR)]
