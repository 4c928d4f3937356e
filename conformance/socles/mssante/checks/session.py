"""Checks over the traffic the mock operator observed: one SMTP or IMAP session record at a time.

The record (artifact kind `smtp-session` / `imap-session`, JSON written by the operator) says,
command by command, what the DUI sent, whether it was before TLS, which TLS it accepted and which
certificate it presented. The scenario's expectations come in `ctx.extra`: "variant" (what the
operator did wrong; the record's own field wins), "delivery_receipt", "size_limit"; the liste
blanche in `ctx.whitelist`. A rule that does not apply to a session says not-applicable.

"Continued" below means: the DUI sent a command other than QUIT/LOGOUT after the handshake.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from conformance.model import Artifact, CheckContext, Finding, failed, fails_or_pass, not_applicable, passed
from conformance.registry import check

SCHEMA = "dui-conformance/mssante-session/1"
MAX_RECORD = 5 * 1024 * 1024
CLOSING = {"QUIT", "LOGOUT"}
SMTP_IN_CLEAR = {"MAIL", "RCPT", "DATA", "AUTH"}
IMAP_IN_CLEAR = {"LOGIN", "AUTHENTICATE"}
LEGACY_TLS = {"SSLv2", "SSLv3", "TLSv1", "TLSv1.1"}
_GOOD_SUITE = re.compile(r"^(ECDHE|DHE)-.*(GCM|CHACHA20)")
UNTRUSTED = {  # variant -> (requirement, what the server presented: en, fr)
    "rogue-ca": (
        "MSS-TLS-05",
        "a certificate from a CA outside IGC-Santé",
        "un certificat d'une AC hors IGC-Santé",
    ),
    "expired": ("MSS-TLS-06", "an expired certificate", "un certificat expiré"),
    "revoked": ("MSS-TLS-07", "a revoked certificate", "un certificat révoqué"),
}
SMTP_RULES = [
    "MSS-TLS-01",
    "MSS-TLS-03",
    "MSS-TLS-04",
    "MSS-TLS-05",
    "MSS-TLS-06",
    "MSS-TLS-07",
    "MSS-AUTH-04",
    "MSS-ACK-01",
    "MSS-SIZE-01",
    "MSS-NEG-01",
]
IMAP_RULES = [
    "MSS-TLS-02",
    "MSS-TLS-03",
    "MSS-TLS-04",
    "MSS-TLS-05",
    "MSS-TLS-06",
    "MSS-TLS-07",
    "MSS-AUTH-04",
]


class Session:
    """Defensive view of a session record (it may come from a file in artifact mode)."""

    def __init__(self, data: dict[str, Any], ctx: CheckContext) -> None:
        self.data = data
        self.id = str(data.get("id") or f"{data.get('protocol', '?')}-session")
        self.variant = str(data.get("variant") or ctx.extra.get("variant") or "good")
        self.tls_version = data.get("tls_version") if isinstance(data.get("tls_version"), str) else None
        self.cipher = str(data.get("cipher") or "")
        self.tls_error = str(data.get("tls_error") or "")
        self.commands = [c for c in _list(data.get("commands")) if isinstance(c, dict)]
        self.transactions = [t for t in _list(data.get("transactions")) if isinstance(t, dict)]

    def where(self, index: int | None = None) -> str:
        """'smtp-session#3 command 4 (MAIL FROM)': the place of a finding."""
        if not index or index > len(self.commands):
            return self.id
        cmd = self.commands[index - 1]
        verb = str(cmd.get("verb", "?"))
        args = str(cmd.get("args", ""))
        if verb in ("MAIL", "RCPT"):
            verb += " " + args.split(":", 1)[0].upper() if ":" in args else ""
        return f"{self.id} command {index} ({verb})"

    def numbered(self) -> Iterator[tuple[int, dict[str, Any]]]:
        return enumerate(self.commands, start=1)

    def continued(self) -> tuple[int, dict[str, Any]] | None:
        """The first command after the handshake other than closing ones."""
        return next(
            ((i, c) for i, c in self.numbered() if c.get("in_clear") is False and str(c.get("verb")) not in CLOSING),
            None,
        )

    def rcpts(self) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        for txn in self.transactions:
            for rcpt in _list(txn.get("rcpts")):
                if isinstance(rcpt, dict):
                    yield txn, rcpt


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _load(artifact: Artifact, ctx: CheckContext, rules: list[str]) -> Session | list[Finding]:
    def unreadable(en: str, fr: str) -> list[Finding]:
        return [
            failed(
                r,
                f"session record unreadable: {en}",
                f"enregistrement de session illisible : {fr}",
                artifact.name,
            )
            for r in rules
        ]

    if len(artifact.data) > MAX_RECORD:
        return unreadable(f"{len(artifact.data)} bytes, over {MAX_RECORD}", f"{len(artifact.data)} octets")
    try:
        data = json.loads(artifact.data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        return unreadable(f"not JSON ({exc})", f"pas du JSON ({exc})")
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        return unreadable(f"not a {SCHEMA} document", f"pas un document {SCHEMA}")
    return Session(data, ctx)


# -- transport -------------------------------------------------------------------------------
def tls_before_credentials(s: Session, rid: str, verbs: set[str]) -> Iterator[Finding]:
    """MSS-TLS-01 (SMTP) / MSS-TLS-02 (IMAP): nothing that carries mail or credentials before TLS."""
    if s.variant == "down":
        yield not_applicable(rid, "the operator refused the connection", "l'opérateur a refusé la connexion", s.id)
        return
    problems = [
        (
            f"{c.get('verb')} sent in clear, before STARTTLS (variant {s.variant})",
            f"{c.get('verb')} envoyé en clair, avant STARTTLS (variante {s.variant})",
            s.where(i),
        )
        for i, c in s.numbered()
        if c.get("in_clear") is True and str(c.get("verb")) in verbs
    ]
    how = (
        "STARTTLS used before any " + "/".join(sorted(verbs))
        if s.data.get("starttls_used")
        else "no " + "/".join(sorted(verbs)) + " sent without TLS (the client gave up)"
    )
    yield from fails_or_pass(rid, problems, how, "aucune commande " + "/".join(sorted(verbs)) + " en clair", s.id)


def tls_version(s: Session) -> Iterator[Finding]:
    """MSS-TLS-03: no session carried on over TLS < 1.2."""
    rid = "MSS-TLS-03"
    after = s.continued()
    if s.tls_version in LEGACY_TLS and after is not None:
        yield failed(
            rid,
            f"the client carried on over {s.tls_version}",
            f"le client a poursuivi en {s.tls_version}",
            s.where(after[0]),
        )
    elif s.tls_version in LEGACY_TLS or s.variant == "tls-legacy":
        how = f"handshake refused ({s.tls_error})" if s.tls_error else "no command over legacy TLS"
        yield passed(rid, how, "négociation TLS < 1.2 refusée ou abandonnée", s.id)
    elif s.tls_version is None:
        yield not_applicable(rid, "no TLS session was established", "aucune session TLS établie", s.id)
    else:
        yield passed(rid, f"{s.tls_version} negotiated", f"{s.tls_version} négocié", s.id)


def strong_suite(version: str | None, cipher: str) -> bool:
    return version == "TLSv1.3" or cipher.startswith("TLS_") or bool(_GOOD_SUITE.match(cipher))


def cipher_suite(s: Session) -> Iterator[Finding]:
    """MSS-TLS-04: TLS 1.3, or ECDHE/DHE with an AEAD (GCM, ChaCha20-Poly1305)."""
    rid = "MSS-TLS-04"
    after = s.continued()
    weak = s.tls_version is not None and not strong_suite(s.tls_version, s.cipher)
    if weak and after is not None:
        yield failed(
            rid,
            f"the client carried on with {s.cipher} (no forward secrecy or no AEAD)",
            f"le client a poursuivi avec {s.cipher} (sans confidentialité persistante ou sans AEAD)",
            s.where(after[0]),
        )
    elif weak or s.variant == "weak-cipher":
        how = f"handshake refused ({s.tls_error})" if s.tls_error else "no command over the weak suite"
        yield passed(rid, how, "suite faible refusée ou abandonnée", s.id)
    elif s.tls_version is None:
        yield not_applicable(rid, "no TLS session was established", "aucune session TLS établie", s.id)
    else:
        yield passed(rid, f"{s.cipher} ({s.tls_version})", f"{s.cipher} ({s.tls_version})", s.id)


def untrusted_server(s: Session, verbs: set[str]) -> Iterator[Finding]:
    """MSS-TLS-05/06/07: facing a rogue, expired or revoked certificate, the DUI goes no further."""
    for variant, (rid, en, fr) in UNTRUSTED.items():
        if s.variant != variant:
            yield not_applicable(rid, f"the operator did not present {en}", f"l'opérateur n'a pas présenté {fr}", s.id)
            continue
        after = s.continued()
        clear = next(
            ((i, c) for i, c in s.numbered() if c.get("in_clear") is True and str(c.get("verb")) in verbs),
            None,
        )
        if after is not None:
            yield failed(
                rid,
                f"server with {en}: the client accepted it and sent {after[1].get('verb')}",
                f"serveur présentant {fr} : le client l'a accepté et a envoyé {after[1].get('verb')}",
                s.where(after[0]),
            )
        elif clear is not None:
            yield failed(
                rid,
                f"server with {en}: the client sent {clear[1].get('verb')} without TLS",
                f"serveur présentant {fr} : le client a envoyé {clear[1].get('verb')} sans TLS",
                s.where(clear[0]),
            )
        else:
            how = f"handshake refused by the client ({s.tls_error})" if s.tls_error else "nothing sent after it"
            yield passed(rid, f"server with {en}: {how}", f"serveur présentant {fr} : connexion abandonnée", s.id)


def org_certificate(s: Session) -> Iterator[Finding]:
    """MSS-AUTH-04: the applicative BAL authenticates with an IGC-Santé ORG certificate (mutual TLS)."""
    rid = "MSS-AUTH-04"
    if s.variant == "down":
        yield not_applicable(rid, "the operator refused the connection", "l'opérateur a refusé la connexion", s.id)
        return
    if s.tls_version is None:
        if "certificate verify failed" in s.tls_error.lower():
            yield failed(
                rid,
                f"the operator rejected the client certificate ({s.tls_error})",
                f"l'opérateur a rejeté le certificat client ({s.tls_error})",
                s.id,
            )
        else:
            yield not_applicable(rid, "no TLS session was established", "aucune session TLS établie", s.id)
        return
    cert = s.data.get("client_cert")
    if not isinstance(cert, dict):
        yield failed(
            rid,
            "no client certificate was presented in the TLS handshake",
            "aucun certificat client présenté lors de la négociation TLS",
            s.id,
        )
        return
    subject = str(cert.get("subject", "?"))
    if cert.get("is_org_client_cert") is True and cert.get("chains_to_test_root") is True:
        yield passed(rid, f"ORG certificate {subject} for {cert.get('bal')}", f"certificat ORG {subject}", s.id)
        return
    problems = "; ".join(str(p) for p in _list(cert.get("problems"))) or "not an ORG client certificate"
    yield failed(rid, f"client certificate {subject}: {problems}", f"certificat client {subject} : {problems}", s.id)


# -- SMTP envelope ---------------------------------------------------------------------------
def delivery_receipt(s: Session, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-ACK-01: when a receipt is asked, every RCPT carries NOTIFY=SUCCESS,FAILURE (RFC 3461)."""
    rid = "MSS-ACK-01"
    if not ctx.extra.get("delivery_receipt"):
        yield not_applicable(rid, "no delivery receipt was asked", "aucun accusé de réception demandé", s.id)
        return
    rcpts = list(s.rcpts())
    if not rcpts:
        yield not_applicable(rid, "no recipient in this session", "aucun destinataire dans cette session", s.id)
        return
    problems = []
    for _txn, rcpt in rcpts:
        params = _dict(rcpt.get("params"))
        notify = {v.strip().upper() for v in str(params.get("NOTIFY", "")).split(",") if v.strip()}
        if not {"SUCCESS", "FAILURE"} <= notify:
            got = params.get("NOTIFY")
            problems.append(
                (
                    f"RCPT {rcpt.get('address')} without NOTIFY=SUCCESS,FAILURE (NOTIFY={got})",
                    f"RCPT {rcpt.get('address')} sans NOTIFY=SUCCESS,FAILURE (NOTIFY={got})",
                    s.where(_int(rcpt.get("command"))),
                )
            )
    yield from fails_or_pass(
        rid,
        problems,
        f"{len(rcpts)} recipient(s) with NOTIFY=SUCCESS,FAILURE",
        f"{len(rcpts)} destinataire(s) avec NOTIFY=SUCCESS,FAILURE",
        s.id,
    )


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
        yield not_applicable(rid, "no transaction (or no announced limit)", "aucune transaction", s.id)
        return
    problems = []
    for txn in s.transactions:
        declared = _int(_dict(txn.get("mail_params")).get("SIZE"))
        if declared > limit:
            problems.append(
                (
                    f"MAIL declared SIZE={declared}, over the announced {limit}",
                    f"MAIL déclare SIZE={declared}, au-delà des {limit} annoncés",
                    s.where(_int(txn.get("command"))),
                )
            )
        elif txn.get("data_refused_size") is True or _int(txn.get("data_size")) > limit:
            problems.append(
                (
                    f"DATA went past the announced {limit} bytes ({txn.get('data_reply')})",
                    f"DATA a dépassé les {limit} octets annoncés",
                    s.where(_int(txn.get("data_command"))),
                )
            )
    yield from fails_or_pass(
        rid, problems, f"every transaction within {limit} bytes", f"toutes les transactions sous {limit} octets", s.id
    )


def whitelist(s: Session, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-NEG-01: no recipient outside the liste blanche of MSSanté domains."""
    rid = "MSS-NEG-01"
    allowed = {d.lower() for d in (ctx.whitelist or tuple(str(d) for d in _list(s.data.get("whitelist"))))}
    rcpts = list(s.rcpts())
    if not rcpts:
        yield not_applicable(rid, "no recipient in this session", "aucun destinataire dans cette session", s.id)
        return
    outside = [r for _t, r in rcpts if str(r.get("address", "")).rpartition("@")[2].lower() not in allowed]
    for rcpt in outside:
        yield failed(
            rid,
            f"RCPT to {rcpt.get('address')}, a domain outside the liste blanche",
            f"RCPT vers {rcpt.get('address')}, domaine hors liste blanche",
            s.where(_int(rcpt.get("command"))),
        )
    if not outside:
        yield passed(
            rid,
            f"{len(rcpts)} recipient(s), all in the liste blanche",
            f"{len(rcpts)} destinataire(s), tous dans la liste blanche",
            s.id,
        )


# -- registered checks -----------------------------------------------------------------------
def _common(s: Session, verbs: set[str]) -> Iterable[Finding]:
    yield from tls_version(s)
    yield from cipher_suite(s)
    yield from untrusted_server(s, verbs)
    yield from org_certificate(s)


@check("smtp-session", "mssante")
def smtp_session(artifact: Artifact, ctx: CheckContext) -> Iterable[Finding]:
    s = _load(artifact, ctx, SMTP_RULES)
    if isinstance(s, list):
        return s
    return [
        *tls_before_credentials(s, "MSS-TLS-01", SMTP_IN_CLEAR),
        *_common(s, SMTP_IN_CLEAR),
        *delivery_receipt(s, ctx),
        *size_limit(s, ctx),
        *whitelist(s, ctx),
    ]


@check("imap-session", "mssante")
def imap_session(artifact: Artifact, ctx: CheckContext) -> Iterable[Finding]:
    s = _load(artifact, ctx, IMAP_RULES)
    if isinstance(s, list):
        return s
    return [*tls_before_credentials(s, "MSS-TLS-02", IMAP_IN_CLEAR), *_common(s, IMAP_IN_CLEAR)]
