"""Hardened MIME reading on top of Python's `email` package (policy.default).

The `email` package is lenient by design: it repairs broken structure and decodes invalid base64
as best it can, registering "defects". A conformance check must not be lenient, so this module
parses once within hard bounds (message size, number and depth of parts), turns every defect into
a `MimeProblem` that names its part, decodes transfer encodings strictly (invalid base64 is an
error, not a guess) and never lets a header-parser exception escape.
"""

from __future__ import annotations

import base64
import binascii
import email.policy
import email.utils
import quopri
import re
from dataclasses import dataclass, field
from email.errors import MessageDefect
from email.headerregistry import AddressHeader
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import EmailPolicy
from typing import Any

MAX_MESSAGE_BYTES = 32 * 1024 * 1024
MAX_PARTS = 500
MAX_DEPTH = 20
MAX_HEADER_BLOCK = 1024 * 1024
MAX_MULTIPARTS = 100
# The email package's structured-header parsers slow down sharply with length (a 64 KB
# Content-Type takes seconds): longer values are refused before anything parses them.
MAX_HEADER_CHARS = 16384
MAX_STRUCTURED_HEADER_CHARS = {
    "content-type": 2048,
    "content-disposition": 2048,
    "from": 2048,
    "to": 8192,
    "cc": 8192,
    "bcc": 8192,
    "reply-to": 2048,
    "sender": 2048,
    "disposition-notification-to": 2048,
}
_MULTIPART_LINE = re.compile(rb"\ncontent-type:[ \t]*multipart/")

_HEADER_LINE = re.compile(rb"^[!-9;-~]+:")


class _MemoPolicy(EmailPolicy):
    """policy.default, with each parsed header kept for the life of one message.

    The feed parser and the checks ask a part for its Content-Type dozens of times and the
    default policy re-parses the header on every ask (most of the parse time); header objects are
    immutable, so one parse per (name, value) gives the same answers much faster.
    """

    memo: dict[tuple[str, str], Any] | None = None

    def header_fetch_parse(self, name: str, value: str) -> Any:
        if self.memo is None or hasattr(value, "name"):
            return super().header_fetch_parse(name, value)
        key = (name, value)
        found = self.memo.get(key)
        if found is None:
            found = super().header_fetch_parse(name, value)
            if len(self.memo) < 4096:
                self.memo[key] = found
        return found


def _memo_policy() -> _MemoPolicy:
    """A fresh memo per message (policies are immutable: the memo is given at construction)."""
    options: dict[str, Any] = {"memo": {}}
    return _MemoPolicy(**options)


@dataclass(frozen=True)
class MimeProblem:
    location: str
    kind: str  # refused | structure | header | encoding
    message_en: str
    message_fr: str


@dataclass
class Part:
    """One node of the MIME tree; `path` follows IMAP numbering ("" for the whole message)."""

    path: str
    msg: EmailMessage
    content_type: str
    filename: str | None
    depth: int

    @property
    def label(self) -> str:
        where = f"part {self.path}" if self.path else "message body"
        details = "; ".join(x for x in (self.content_type, self.filename) if x)
        return f"{where} ({details})"

    @property
    def is_multipart(self) -> bool:
        return self.content_type.startswith("multipart/")


@dataclass
class ParsedMessage:
    msg: EmailMessage | None
    refused: str | None = None  # why the message was not parsed at all
    parts: list[Part] = field(default_factory=list)
    problems: list[MimeProblem] = field(default_factory=list)
    raw_header_block: bytes = b""


def _defect_text(defect: MessageDefect) -> str:
    name = type(defect).__name__
    detail = str(defect)
    return f"{name}: {detail}" if detail and detail != name else name


def header_block(data: bytes) -> bytes:
    """The top-level header block (up to the first empty line)."""
    for sep in (b"\r\n\r\n", b"\n\n"):
        idx = data.find(sep, 0, MAX_HEADER_BLOCK + 4)
        if idx >= 0:
            return data[:idx]
    return data[:MAX_HEADER_BLOCK]


def looks_like_message(data: bytes) -> bool:
    """RFC 5322 sniffing: the first line is a header field and the block names a message header."""
    head = data[:65536]
    if head.startswith(b"From "):  # mbox separator line
        head = head.split(b"\n", 1)[-1]
    if not _HEADER_LINE.match(head):
        return False
    block = header_block(head).lower()
    known = (
        b"from:",
        b"to:",
        b"subject:",
        b"message-id:",
        b"date:",
        b"mime-version:",
        b"received:",
        b"return-path:",
        b"content-type:",
    )
    return sum(1 for k in known if (b"\n" + k) in b"\n" + block) >= 2


def parse_message(data: bytes, *, max_bytes: int = MAX_MESSAGE_BYTES) -> ParsedMessage:
    """Parse `data` once; structural trouble becomes problems, never exceptions."""
    if len(data) > max_bytes:
        return ParsedMessage(
            None, refused=f"message of {len(data)} bytes exceeds the harness limit of {max_bytes} bytes"
        )
    block = header_block(data)
    if len(block) >= MAX_HEADER_BLOCK:
        return ParsedMessage(None, refused=f"header block larger than {MAX_HEADER_BLOCK} bytes")
    low = b"\n" + data.lower()  # a cheap count before parsing: every part has its Content-Type line
    n_types = low.count(b"\ncontent-type:")
    if n_types > MAX_PARTS:
        return ParsedMessage(None, refused=f"{n_types} Content-Type headers: more than {MAX_PARTS} MIME parts")
    n_multi = len(_MULTIPART_LINE.findall(low))
    if n_multi > MAX_MULTIPARTS:
        return ParsedMessage(None, refused=f"{n_multi} multipart containers, more than {MAX_MULTIPARTS}")
    try:
        msg = BytesParser(policy=_memo_policy()).parsebytes(data)
    except Exception as exc:  # the parser is meant never to raise; a bug there is still the input's finding
        return ParsedMessage(None, refused=f"message cannot be parsed: {type(exc).__name__}: {exc}")
    if not isinstance(msg, EmailMessage):
        return ParsedMessage(None, refused="message cannot be parsed")
    too_long = _overlong_header(msg)
    if too_long:
        return ParsedMessage(None, refused=too_long)
    out = ParsedMessage(msg, raw_header_block=block)
    _walk(msg, "", 0, out)
    return out


def _overlong_header(msg: EmailMessage) -> str | None:
    """Refuse before parsing: a header too long for the structured parsers to be safe."""
    try:
        parts = list(msg.walk())
    except RecursionError:
        return "MIME tree too deep to read"
    for part in parts:
        for name, value in part.raw_items():
            limit = MAX_STRUCTURED_HEADER_CHARS.get(name.lower(), MAX_HEADER_CHARS)
            if len(value) > limit:
                return f"header {name} is {len(value)} characters long (limit {limit})"
    return None


def _walk(msg: EmailMessage, path: str, depth: int, out: ParsedMessage) -> None:
    ctype = _safe(lambda: msg.get_content_type(), "application/octet-stream")
    # containers and text bodies never carry the attachments the rules look for: skip parsing
    # their Content-Disposition (a large share of the parse time)
    named = not ctype.startswith(("multipart/", "text/")) or "Content-Disposition" in msg
    part = Part(path, msg, ctype, filename_of(msg) if named else None, depth)
    out.parts.append(part)
    for defect in msg.defects:
        out.problems.append(
            MimeProblem(
                part.label,
                "structure",
                f"MIME defect: {_defect_text(defect)}",
                f"défaut MIME : {_defect_text(defect)}",
            )
        )
    if not part.is_multipart:
        return
    if depth >= MAX_DEPTH:
        out.problems.append(
            MimeProblem(
                part.label,
                "structure",
                f"MIME tree deeper than {MAX_DEPTH} levels",
                f"arborescence MIME de plus de {MAX_DEPTH} niveaux",
            )
        )
        return
    payload = msg.get_payload()
    if not isinstance(payload, list):
        return
    for i, child in enumerate(payload, start=1):
        if len(out.parts) >= MAX_PARTS:
            out.problems.append(
                MimeProblem(
                    part.label,
                    "structure",
                    f"more than {MAX_PARTS} MIME parts",
                    f"plus de {MAX_PARTS} parties MIME",
                )
            )
            return
        if isinstance(child, EmailMessage):
            _walk(child, f"{path}.{i}" if path else str(i), depth + 1, out)


def _safe(fn: Any, default: Any) -> Any:
    try:
        return fn()
    except Exception:  # header parsing bugs on hostile input must not escape
        return default


def filename_of(msg: EmailMessage) -> str | None:
    """Attachment name (RFC 2231 and RFC 2047 forms decoded); Content-Type name= as a fallback."""
    name = _safe(lambda: msg.get_filename(), None)
    if not name:
        name = _safe(lambda: msg.get_param("name", header="content-type"), None)
        if isinstance(name, tuple):
            name = _safe(lambda: email.utils.collapse_rfc2231_value(name), None)
    return str(name) if name else None


def header_values(msg: EmailMessage, name: str) -> list[str]:
    """Every occurrence of header `name`, decoded (RFC 2047); raw text when the parser chokes."""
    try:
        return [str(v) for v in (msg.get_all(name) or [])]
    except Exception:
        return [v for k, v in msg.raw_items() if k.lower() == name.lower()]


def raw_header_values(msg: EmailMessage, name: str) -> list[str]:
    return [str(v) for k, v in msg.raw_items() if k.lower() == name.lower()]


def header_addresses(msg: EmailMessage, name: str) -> tuple[list[tuple[str, str]], list[str]]:
    """[(display name, addr-spec)] of every occurrence of an address header, and the parse problems.

    Every header is parsed with the package's RFC 5322 address-list parser, also those the header
    registry does not know as address lists (Disposition-Notification-To...).
    """
    found: list[tuple[str, str]] = []
    problems: list[str] = []
    for raw in raw_header_values(msg, name):
        kwds: dict[str, Any] = {}
        try:
            AddressHeader.parse(re.sub(r"\r?\n[ \t]", " ", raw), kwds)
        except Exception as exc:  # the address parser has had crash bugs on hostile input
            problems.append(f"{type(exc).__name__}: {exc}")
            continue
        problems += [_defect_text(d) for d in kwds.get("defects", ())]
        for group in kwds.get("groups", ()):
            found += [(a.display_name or "", a.addr_spec or "") for a in group.addresses]
    return found, problems


def decode_body(part: Part) -> tuple[bytes | None, str | None]:
    """The part's bytes after strict Content-Transfer-Encoding decoding, or (None, reason)."""
    msg = part.msg
    if part.is_multipart or isinstance(msg.get_payload(), list):
        return None, "is a container, not a leaf part"
    cte = _safe(lambda: str(msg.get("Content-Transfer-Encoding", "7bit")), "7bit").strip().lower() or "7bit"
    raw = msg.get_payload(decode=False)
    if not isinstance(raw, str):
        return None, "has no readable payload"
    if cte == "base64":
        cleaned = re.sub(r"[\r\n\t ]+", "", raw)
        try:
            return base64.b64decode(cleaned.encode("ascii"), validate=True), None
        except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
            return None, f"invalid base64 content ({exc})"
    if cte == "quoted-printable":
        try:  # raw 8-bit bytes come back through surrogateescape; what the parser already decoded cannot
            return quopri.decodestring(raw.encode("ascii", "surrogateescape")), None
        except UnicodeEncodeError as exc:
            return None, f"quoted-printable content that is not 7-bit ({exc.reason} at {exc.start})"
    if cte in ("7bit", "8bit", "binary"):
        data = msg.get_payload(decode=True)
        return (data if isinstance(data, bytes) else raw.encode("utf-8", "surrogateescape")), None
    return None, f"unknown Content-Transfer-Encoding {cte!r}"
