"""MSS-MSG-01..06: the envelope of every message a DUI sends (Ref#2 §3.3 to §3.8).

Headers are judged on their raw text where the `email` package would repair them (Message-ID,
MIME-Version, encoded words) and on the parsed addresses where RFC 5322 syntax matters (From, To).
"""

from __future__ import annotations

import email.errors
import email.header
import re
from collections.abc import Iterator
from email.utils import parsedate_to_datetime

from conformance.formats.mime import Part, decode_body, raw_header_values
from conformance.model import Artifact, CheckContext, Finding, failed, fails_or_pass, not_applicable, passed
from conformance.registry import check

from .emailview import EmailView, email_view, refused

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM = rf"{_ATOM}(?:\.{_ATOM})*"
MSG_ID = re.compile(rf"^<{_DOT_ATOM}@(?:{_DOT_ATOM}|\[[!-Z^-~]*\])>$")
MSG_IDS = re.compile(r"<[^<>\s]*>")
_MIME_VERSION = re.compile(r"^1\.0\s*(?:\(.*\))?$")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([QqBb])\?([^?\s]*)\?=")
_RFC2231 = re.compile(r"\*\s*=\s*\"?([A-Za-z0-9_.:-]*)'")
_UTF8 = ("utf-8", "us-ascii")


def unfold(value: str) -> str:
    return re.sub(r"\r?\n[ \t]+", " ", value).strip()


def _one_header(view: EmailView, name: str) -> tuple[str | None, Finding | None]:
    msg = view.parsed.msg
    assert msg is not None
    values = raw_header_values(msg, name)
    loc = f"header {name}"
    if not values:
        return None, failed("MSS-MSG-01", f"{name} header is missing", f"l'en-tête {name} est absent", loc)
    if len(values) > 1:
        return None, failed(
            "MSS-MSG-01",
            f"{name} header appears {len(values)} times",
            f"l'en-tête {name} figure {len(values)} fois",
            loc,
        )
    return unfold(values[0]), None


@check("email", "mssante")
def check_envelope(art: Artifact, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-MSG-01: Message-ID, Date, From, To, MIME-Version, and a MIME tree without defects."""
    view = email_view(art)
    rid = "MSS-MSG-01"
    if view.parsed.msg is None:
        yield failed(
            rid,
            f"message refused: {view.parsed.refused}",
            f"message refusé : {view.parsed.refused}",
            "message",
        )
        return
    mid, problem = _one_header(view, "Message-ID")
    if problem:
        yield problem
    else:
        yield (
            passed(rid, f"Message-ID {mid}", f"Message-ID {mid}", "header Message-ID")
            if MSG_ID.match(mid or "")
            else failed(
                rid,
                f"Message-ID {mid!r} is not an RFC 5322 msg-id <left@right>",
                f"Message-ID {mid!r} n'est pas un msg-id RFC 5322 <gauche@droite>",
                "header Message-ID",
            )
        )
    date, problem = _one_header(view, "Date")
    if problem:
        yield problem
    else:
        try:
            parsedate_to_datetime(date or "")
            yield passed(rid, f"Date {date}", f"Date {date}", "header Date")
        except (TypeError, ValueError, IndexError):
            yield failed(
                rid,
                f"Date {date!r} is not an RFC 5322 date",
                f"Date {date!r} n'est pas une date RFC 5322",
                "header Date",
            )
    for name, single in (("From", True), ("To", False)):
        raw, problem = _one_header(view, name)
        if problem:
            yield problem
            continue
        addrs, defects = view.addresses(name)
        valid = [a for _, a in addrs if re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", a)]
        if defects or not valid or len(valid) != len(addrs) or (single and len(addrs) != 1):
            why = "; ".join(defects) or ("expected exactly one mailbox" if single else "no valid address")
            yield failed(
                rid,
                f"{name} {raw!r} is not a valid address list ({why})",
                f"{name} {raw!r} n'est pas une liste d'adresses valide ({why})",
                f"header {name}",
            )
        else:
            yield passed(rid, f"{name}: {', '.join(valid)}", f"{name} : {', '.join(valid)}", f"header {name}")
    mv, problem = _one_header(view, "MIME-Version")
    if problem:
        yield problem
    elif not _MIME_VERSION.match(mv or ""):
        yield failed(
            rid,
            f"MIME-Version is {mv!r}, expected 1.0",
            f"MIME-Version vaut {mv!r}, 1.0 attendu",
            "header MIME-Version",
        )
    else:
        yield passed(rid, "MIME-Version: 1.0", "MIME-Version: 1.0", "header MIME-Version")
    for p in view.parsed.problems:
        yield failed(rid, p.message_en, p.message_fr, p.location)


@check("email", "mssante")
def check_reply(art: Artifact, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-MSG-02: a reply names the original in In-Reply-To and References."""
    rid = "MSS-MSG-02"
    view = email_view(art)
    if view.parsed.msg is None:
        yield from refused(view, (rid,))
        return
    in_reply = MSG_IDS.findall(" ".join(unfold(v) for v in raw_header_values(view.parsed.msg, "In-Reply-To")))
    if not in_reply and not ctx.is_reply_to and not raw_header_values(view.parsed.msg, "In-Reply-To"):
        yield not_applicable(rid, "not a reply", "pas une réponse", "header In-Reply-To")
        return
    refs = MSG_IDS.findall(" ".join(unfold(v) for v in raw_header_values(view.parsed.msg, "References")))
    expected = [ctx.is_reply_to.strip()] if ctx.is_reply_to else in_reply
    problems: list[tuple[str, str, str]] = []
    for mid in expected or ["<?>"]:
        if mid not in in_reply:
            problems.append(
                (
                    f"In-Reply-To does not name {mid}",
                    f"In-Reply-To ne désigne pas {mid}",
                    "header In-Reply-To",
                )
            )
        if not MSG_ID.match(mid):
            problems.append(
                (
                    f"In-Reply-To value {mid!r} is not an RFC 5322 msg-id",
                    f"la valeur In-Reply-To {mid!r} n'est pas un msg-id RFC 5322",
                    "header In-Reply-To",
                )
            )
        if mid not in refs:
            problems.append(
                (
                    f"References does not contain {mid}",
                    f"References ne contient pas {mid}",
                    "header References",
                )
            )
    yield from fails_or_pass(
        rid,
        problems,
        f"reply to {', '.join(expected)}: In-Reply-To and References set",
        f"réponse à {', '.join(expected)} : In-Reply-To et References présents",
        "header In-Reply-To",
    )


def _header_encoding_problems(part: Part) -> Iterator[tuple[str, str, str]]:
    where = f"header of {part.label}" if part.path else "message header"
    for name, value in part.msg.raw_items():
        text = str(value)
        if not text.isascii():
            yield (
                f"{name} carries raw non-ASCII characters; use RFC 2047 encoded words in UTF-8",
                f"{name} contient des caractères non ASCII bruts ; utiliser l'encodage RFC 2047 en UTF-8",
                f"{where} {name}",
            )
            continue
        for m in _ENCODED_WORD.finditer(text):
            charset = m.group(1).split("*")[0].lower()
            if charset not in _UTF8:
                yield (
                    f"{name} uses an encoded word in {charset}, expected UTF-8",
                    f"{name} utilise un mot encodé en {charset}, UTF-8 attendu",
                    f"{where} {name}",
                )
                continue
            try:
                for raw, cs in email.header.decode_header(m.group(0)):
                    if isinstance(raw, bytes):
                        raw.decode(cs or "us-ascii")
            except (UnicodeDecodeError, LookupError, ValueError, email.errors.HeaderParseError) as exc:
                yield (
                    f"{name} has an encoded word that does not decode as UTF-8 ({exc})",
                    f"{name} a un mot encodé qui ne se décode pas en UTF-8 ({exc})",
                    f"{where} {name}",
                )
        for m in _RFC2231.finditer(text):
            charset = m.group(1).lower()
            if charset and charset not in _UTF8:
                yield (
                    f"{name} has an RFC 2231 parameter in {charset}, expected UTF-8",
                    f"{name} a un paramètre RFC 2231 en {charset}, UTF-8 attendu",
                    f"{where} {name}",
                )


@check("email", "mssante")
def check_charsets(art: Artifact, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-MSG-03: every text part is declared and encoded UTF-8; non-ASCII headers are RFC 2047 UTF-8."""
    rid = "MSS-MSG-03"
    view = email_view(art)
    if view.parsed.msg is None:
        yield from refused(view, (rid,))
        return
    bad = False
    texts = 0
    for part in view.parsed.parts:
        for en, fr, loc in _header_encoding_problems(part):
            bad = True
            yield failed(rid, en, fr, loc)
        if not part.content_type.startswith("text/"):
            continue
        texts += 1
        charset = part.msg.get_content_charset()
        if charset != "utf-8":
            bad = True
            yield failed(
                rid,
                f"charset is {charset or 'not declared'}, expected utf-8",
                f"charset {charset or 'non déclaré'}, utf-8 attendu",
                part.label,
            )
        body, problem = decode_body(part)
        if body is None:
            bad = True
            yield failed(rid, f"text part {problem}", f"partie texte illisible : {problem}", part.label)
            continue
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = True
            yield failed(
                rid,
                f"text is not valid UTF-8 (byte {exc.start})",
                f"le texte n'est pas de l'UTF-8 valide (octet {exc.start})",
                part.label,
            )
    if not bad:
        yield passed(
            rid,
            f"{texts} text part(s) in UTF-8, headers correctly encoded",
            f"{texts} partie(s) texte en UTF-8, en-têtes correctement encodés",
            "message",
        )


@check("email", "mssante")
def check_body_type(art: Artifact, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-MSG-04: the body is text/plain or multipart/alternative with a text/plain part."""
    rid = "MSS-MSG-04"
    view = email_view(art)
    if view.parsed.msg is None:
        yield from refused(view, (rid,))
        return
    parts = view.parsed.parts
    root = parts[0]

    def children(p: Part) -> list[Part]:
        prefix = f"{p.path}." if p.path else ""
        return [c for c in parts if c.path.startswith(prefix) and c.path[len(prefix) :].isdigit()]

    def plain_body(p: Part) -> bool:
        if p.content_type == "text/plain":
            return True
        return p.content_type == "multipart/alternative" and any(c.content_type == "text/plain" for c in children(p))

    body = root
    if root.content_type in ("multipart/mixed", "multipart/report", "multipart/related"):
        kids = children(root)
        body = kids[0] if kids else root
    if plain_body(body):
        yield passed(
            rid,
            f"body is {body.content_type} with a text/plain part",
            f"corps {body.content_type} avec une partie text/plain",
            body.label,
        )
    else:
        yield failed(
            rid,
            f"body is {body.content_type}, expected text/plain or multipart/alternative with text/plain",
            f"corps {body.content_type}, text/plain ou multipart/alternative avec text/plain attendu",
            body.label,
        )


def per_display_name(display: str) -> bool:
    """`<Titre>_<Prénom>_<NOM>[_<Entité>]`, titre optional, NOM in upper case."""
    fields = display.split("_")

    def upper(s: str) -> bool:
        return any(c.isalpha() for c in s) and s == s.upper()

    def name(s: str) -> bool:
        return any(c.isalpha() for c in s) and s.strip() == s

    if len(fields) >= 2 and name(fields[0]) and upper(fields[1]) and len(fields) <= 3:
        return len(fields) == 2 or bool(fields[2].strip())
    if len(fields) >= 3 and fields[0].strip() and name(fields[1]) and upper(fields[2]) and len(fields) <= 4:
        return len(fields) == 3 or bool(fields[3].strip())
    return False


@check("email", "mssante")
def check_display_name(art: Artifact, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-MSG-05: From carries a meaningful display name (PER: Titre_Prénom_NOM_Entité; ORG/APP: entity)."""
    rid = "MSS-MSG-05"
    view = email_view(art)
    if view.parsed.msg is None:
        yield from refused(view, (rid,))
        return
    addrs, _ = view.addresses("From")
    loc = "header From"
    if len(addrs) != 1:
        yield failed(rid, "no single From mailbox to judge", "pas d'expéditeur unique à évaluer", loc)
        return
    display, addr = addrs[0]
    display = display.strip()
    if not display or display.lower() == addr.lower() or "@" in display:
        yield failed(
            rid,
            f"From {addr} has no display name (or only the address)",
            f"From {addr} n'a pas de nom affiché (ou seulement l'adresse)",
            loc,
        )
        return
    bal = (ctx.sender_bal_type or "").upper()
    if bal == "PER" and not per_display_name(display):
        yield failed(
            rid,
            f"display name {display!r} is not <Titre>_<Prénom>_<NOM>[_<Entité>] (personal BAL)",
            f"le nom affiché {display!r} n'est pas <Titre>_<Prénom>_<NOM>[_<Entité>] (BAL personnelle)",
            loc,
        )
        return
    if not any(c.isalpha() for c in display):
        yield failed(
            rid,
            f"display name {display!r} names no entity",
            f"le nom affiché {display!r} ne nomme aucune entité",
            loc,
        )
        return
    kind = {"PER": "personal", "": "BAL type unknown: either form"}.get(bal, "functional entity")
    yield passed(rid, f"display name {display!r} ({kind})", f"nom affiché {display!r} ({kind})", loc)


@check("email", "mssante")
def check_nil(art: Artifact, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-MSG-06: one non-empty X-MSS-NIL, equal to the configured product reference when known."""
    rid = "MSS-MSG-06"
    view = email_view(art)
    if view.parsed.msg is None:
        yield from refused(view, (rid,))
        return
    values = [unfold(v) for v in raw_header_values(view.parsed.msg, "X-MSS-NIL")]
    loc = "header X-MSS-NIL"
    if len(values) != 1 or not values[0]:
        yield failed(
            rid,
            f"X-MSS-NIL must appear once with a value (found {len(values)}: {values})",
            f"X-MSS-NIL doit figurer une fois avec une valeur (trouvé {len(values)} : {values})",
            loc,
        )
    elif ctx.expected_nil is not None and values[0] != ctx.expected_nil:
        yield failed(
            rid,
            f"X-MSS-NIL is {values[0]!r}, expected the product reference {ctx.expected_nil!r}",
            f"X-MSS-NIL vaut {values[0]!r}, référence produit attendue {ctx.expected_nil!r}",
            loc,
        )
    else:
        yield passed(rid, f"X-MSS-NIL: {values[0]}", f"X-MSS-NIL : {values[0]}", loc)
