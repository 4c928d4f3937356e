"""MSS-MSG-01..06: the envelope of every message a DUI sends (Ref#2 §3.3 to §3.8).

Headers are judged on their raw text where the `email` package would repair them (Message-ID,
MIME-Version, encoded words) and on the parsed addresses where RFC 5322 syntax matters (From, To).
"""

from __future__ import annotations

import email.errors
import email.header
import re
from collections.abc import Callable, Iterator
from email.utils import parsedate_to_datetime

from conformance import messages
from conformance.formats.mime import Part, decode_body, raw_header_values
from conformance.messages import Text
from conformance.model import CheckContext, Finding, Verdict
from conformance.registry import check
from conformance.socles.mssante.messages import M

from .emailview import EmailView

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


def _one_header(view: EmailView, name: str) -> tuple[str, Finding | None]:
    msg = view.parsed.msg
    assert msg is not None
    values = raw_header_values(msg, name)
    loc = f"header {name}"
    if not values:
        return "", M.fail("MSS-MSG-01", "envelope.header-missing", loc, name=name)
    if len(values) > 1:
        return "", M.fail("MSS-MSG-01", "envelope.header-repeated", loc, name=name, count=len(values))
    return unfold(values[0]), None


def _message_id(view: EmailView, mid: str) -> Finding:
    ok = bool(MSG_ID.match(mid))
    return M.judge("MSS-MSG-01", ok, "envelope.message-id-ok", "envelope.message-id-bad", "header Message-ID", mid=mid)


def _date(view: EmailView, date: str) -> Finding:
    try:
        parsedate_to_datetime(date)
    except (TypeError, ValueError, IndexError):
        return M.fail("MSS-MSG-01", "envelope.date-bad", "header Date", date=date)
    return M.passed("MSS-MSG-01", "envelope.date-ok", "header Date", date=date)


def _address_list(view: EmailView, name: str, raw: str) -> Finding:
    """From (exactly one mailbox) or To (at least one), each a syntactically valid address."""
    single = name == "From"
    addrs, defects = view.addresses(name)
    valid = [a for _, a in addrs if re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", a)]
    if defects or not valid or len(valid) != len(addrs) or (single and len(addrs) != 1):
        why = "; ".join(defects) or ("expected exactly one mailbox" if single else "no valid address")
        return M.fail("MSS-MSG-01", "envelope.address-list-bad", f"header {name}", name=name, raw=raw, why=why)
    return M.passed("MSS-MSG-01", "envelope.address-list-ok", f"header {name}", name=name, addresses=", ".join(valid))


def _mime_version(view: EmailView, value: str) -> Finding:
    ok = bool(_MIME_VERSION.match(value))
    return M.judge(
        "MSS-MSG-01", ok, "envelope.mime-version-ok", "envelope.mime-version-bad", "header MIME-Version", value=value
    )


ENVELOPE: tuple[tuple[str, Callable[[EmailView, str], Finding]], ...] = (
    ("Message-ID", _message_id),
    ("Date", _date),
    ("From", lambda view, raw: _address_list(view, "From", raw)),
    ("To", lambda view, raw: _address_list(view, "To", raw)),
    ("MIME-Version", _mime_version),
)


@check("email", "mssante", "MSS-MSG-01")
def check_envelope(view: EmailView, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-MSG-01: Message-ID, Date, From, To, MIME-Version (each once), and a MIME tree without defects.

    A message that cannot be parsed at all is refused by the e-mail reader (see readers.py).
    """
    for name, rule in ENVELOPE:
        value, problem = _one_header(view, name)
        yield problem or rule(view, value)
    for p in view.parsed.problems:
        yield messages.finding("MSS-MSG-01", Verdict.FAIL, Text(p.message_en, p.message_fr), p.location)


@check("email", "mssante", "MSS-MSG-02")
def check_reply(view: EmailView, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-MSG-02: a reply names the original in In-Reply-To and References."""
    rid = "MSS-MSG-02"
    msg = view.parsed.msg
    assert msg is not None
    in_reply = MSG_IDS.findall(" ".join(unfold(v) for v in raw_header_values(msg, "In-Reply-To")))
    if not in_reply and not ctx.is_reply_to and not raw_header_values(msg, "In-Reply-To"):
        yield M.not_applicable(rid, "reply.not-a-reply", "header In-Reply-To")
        return
    refs = MSG_IDS.findall(" ".join(unfold(v) for v in raw_header_values(msg, "References")))
    expected = [ctx.is_reply_to.strip()] if ctx.is_reply_to else in_reply
    problems: list[tuple[Text, str]] = []
    for mid in expected or ["<?>"]:
        if mid not in in_reply:
            problems.append((M.text("reply.in-reply-to-missing", mid=mid), "header In-Reply-To"))
        if not MSG_ID.match(mid):
            problems.append((M.text("reply.in-reply-to-bad", mid=mid), "header In-Reply-To"))
        if mid not in refs:
            problems.append((M.text("reply.references-missing", mid=mid), "header References"))
    ok = M.text("reply.ok", mids=", ".join(expected))
    yield from messages.fails_or_pass(rid, problems, ok, "header In-Reply-To")


def _header_encoding_problems(part: Part) -> Iterator[tuple[Text, str]]:
    where = f"header of {part.label}" if part.path else "message header"
    for name, value in part.msg.raw_items():
        text = str(value)
        if not text.isascii():
            yield M.text("charset.header-raw-non-ascii", name=name), f"{where} {name}"
            continue
        for m in _ENCODED_WORD.finditer(text):
            charset = m.group(1).split("*")[0].lower()
            if charset not in _UTF8:
                yield M.text("charset.encoded-word-charset", name=name, charset=charset), f"{where} {name}"
                continue
            try:
                for raw, cs in email.header.decode_header(m.group(0)):
                    if isinstance(raw, bytes):
                        raw.decode(cs or "us-ascii")
            except (UnicodeDecodeError, LookupError, ValueError, email.errors.HeaderParseError) as exc:
                yield M.text("charset.encoded-word-undecodable", name=name, error=exc), f"{where} {name}"
        for m in _RFC2231.finditer(text):
            charset = m.group(1).lower()
            if charset and charset not in _UTF8:
                yield M.text("charset.rfc2231-charset", name=name, charset=charset), f"{where} {name}"


def _text_part_problems(part: Part) -> Iterator[tuple[Text, str]]:
    charset = part.msg.get_content_charset()
    if not charset:
        yield M.text("charset.part-undeclared"), part.label
    elif charset != "utf-8":
        yield M.text("charset.part-charset", charset=charset), part.label
    body, problem = decode_body(part)
    if body is None:
        yield M.text("charset.text-undecodable", problem=problem), part.label
        return
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        yield M.text("charset.invalid-utf8", byte=exc.start), part.label


@check("email", "mssante", "MSS-MSG-03")
def check_charsets(view: EmailView, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-MSG-03: every text part is declared and encoded UTF-8; non-ASCII headers are RFC 2047 UTF-8."""
    problems: list[tuple[Text, str]] = []
    texts = 0
    for part in view.parsed.parts:
        problems += _header_encoding_problems(part)
        if part.content_type.startswith("text/"):
            texts += 1
            problems += _text_part_problems(part)
    yield from messages.fails_or_pass("MSS-MSG-03", problems, M.text("charset.ok", count=texts), "message")


@check("email", "mssante", "MSS-MSG-04")
def check_body_type(view: EmailView, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-MSG-04: the body is text/plain or multipart/alternative with a text/plain part."""
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
    yield M.judge("MSS-MSG-04", plain_body(body), "body.ok", "body.bad", body.label, type=body.content_type)


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


@check("email", "mssante", "MSS-MSG-05")
def check_display_name(view: EmailView, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-MSG-05: From carries a meaningful display name (PER: Titre_Prénom_NOM_Entité; ORG/APP: entity)."""
    rid = "MSS-MSG-05"
    addrs, _ = view.addresses("From")
    loc = "header From"
    if len(addrs) != 1:
        yield M.fail(rid, "display.no-single-from", loc)
        return
    display, addr = addrs[0]
    display = display.strip()
    bal = (ctx.sender_bal_type or "").upper()
    if not display or display.lower() == addr.lower() or "@" in display:
        yield M.fail(rid, "display.missing", loc, address=addr)
    elif bal == "PER" and not per_display_name(display):
        yield M.fail(rid, "display.per-shape", loc, display=display)
    elif not any(c.isalpha() for c in display):
        yield M.fail(rid, "display.no-entity", loc, display=display)
    else:
        kind = {"PER": "personal", "": "BAL type unknown: either form"}.get(bal, "functional entity")
        yield M.passed(rid, "display.ok", loc, display=display, kind=kind)


@check("email", "mssante", "MSS-MSG-06")
def check_nil(view: EmailView, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-MSG-06: one non-empty X-MSS-NIL, equal to the configured product reference when known."""
    rid = "MSS-MSG-06"
    assert view.parsed.msg is not None
    values = [unfold(v) for v in raw_header_values(view.parsed.msg, "X-MSS-NIL")]
    loc = "header X-MSS-NIL"
    if len(values) != 1 or not values[0]:
        yield M.fail(rid, "nil.count", loc, count=len(values), values=values)
    elif ctx.expected_nil is not None and values[0] != ctx.expected_nil:
        yield M.fail(rid, "nil.wrong", loc, value=values[0], expected=ctx.expected_nil)
    else:
        yield M.passed(rid, "nil.ok", loc, value=values[0])
