"""What the mock operator writes as a standard MTA would: enhanced status codes and the Received: trace.

- RFC 2034 §3: once ENHANCEDSTATUSCODES is advertised, every 2xx, 4xx and 5xx reply carries an
  RFC 3463 enhanced code, except the greeting and the replies to HELO/EHLO. aiosmtpd writes many of
  its own replies without one ("250 OK", "501 Syntax: ...", "503 Error: ..."), so every reply goes
  through `with_enhanced_code`, which adds the RFC 3463 code of its basic code when it has none.
- RFC 5321 §4.4: a server that accepts a message for delivery inserts a `Received:` trace line at
  the top of its content (from, by, with, id, for, date); `with ESMTPS`/`ESMTPSA` (RFC 3848) says
  the submission used STARTTLS (and authenticated). The evidence keeps the bytes the DUI sent; the
  delivered copy in the recipients' mailboxes carries the trace line, as with any operator.
"""

from __future__ import annotations

import email.utils
import re

# RFC 3463 codes for the basic codes aiosmtpd answers without one (class.subject.detail)
ENHANCED = {
    211: "2.0.0",
    214: "2.0.0",
    220: "2.0.0",  # STARTTLS "Ready to start TLS" (the greeting is exempt)
    221: "2.0.0",
    235: "2.7.0",  # RFC 4954 §6: authentication succeeded
    250: "2.0.0",
    251: "2.1.5",
    252: "2.1.5",
    421: "4.3.2",
    432: "4.7.12",
    450: "4.2.0",
    451: "4.3.0",
    452: "4.3.1",
    454: "4.7.0",
    500: "5.5.2",  # syntax error, command unrecognised
    501: "5.5.4",  # invalid command arguments
    502: "5.5.1",  # invalid command
    503: "5.5.1",  # bad sequence of commands
    504: "5.5.4",
    530: "5.7.0",
    534: "5.7.9",
    535: "5.7.8",
    538: "5.7.11",
    550: "5.1.1",
    551: "5.1.6",
    552: "5.3.4",
    553: "5.1.3",
    554: "5.0.0",
    555: "5.5.4",
}
_REPLY = re.compile(r"^(?P<code>[245]\d\d)(?P<sep>[ -]?)(?P<text>.*)$", re.S)
_HAS_ENHANCED = re.compile(r"^[245]\.\d{1,3}\.\d{1,3}(?: |$)")


def with_enhanced_code(line: str) -> str:
    """`line` with an RFC 3463 enhanced code after its basic code, unless it has one (or is not 2/4/5xx)."""
    m = _REPLY.match(line)
    if m is None or _HAS_ENHANCED.match(m.group("text")):
        return line
    code = int(m.group("code"))
    enhanced = ENHANCED.get(code, f"{code // 100}.0.0")
    return f"{code}{m.group('sep') or ' '}{enhanced} {m.group('text')}".rstrip()


def received_header(
    *,
    helo: str,
    peer: str,
    by: str,
    queue_id: str,
    tls_version: str | None,
    cipher: str | None,
    authenticated: bool,
    rcpts: list[str],
    date: float | None = None,
) -> bytes:
    """The Received: line (folded, CRLF) the operator prepends to each delivered copy."""
    ip = peer.rpartition(":")[0] or peer
    protocol = ("ESMTPSA" if authenticated else "ESMTPS") if tls_version else "ESMTP"
    lines = [f"Received: from {_token(helo) or 'unknown'} ([{ip}])", f"\tby {by} with {protocol} id {queue_id}"]
    if tls_version:
        lines.append(f"\t(using {tls_version} with cipher {cipher or 'unknown'})")
    when = email.utils.formatdate(date, localtime=False)
    lines.append(f"\tfor <{_token(rcpts[0])}>; {when}" if len(rcpts) == 1 else f"\t; {when}")
    return ("\r\n".join(lines) + "\r\n").encode("ascii", "replace")


def _token(text: str) -> str:
    """A client-supplied word as it may appear in a header: printable ASCII, no spaces, bounded."""
    return "".join(c for c in text if 33 <= ord(c) < 127 and c not in "<>();")[:255]
