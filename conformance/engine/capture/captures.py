"""A folder of exchanges captured outside the harness, read into neutral `CapturedExchange`s.

What `conformance run --from-capture DIR` reads (docs/sandboxes.md, "Imported captures"):
- `*.eml`: one e-mail the DUI sent;
- `NAME.request.EXT` with its optional `NAME.response.EXT`: one HTTP exchange (a SOAP request and its
  answer, a FHIR request and its answer). A file may start with its HTTP head (`POST /path HTTP/1.1` and
  headers, or `HTTP/1.1 200 OK` and headers) or hold the body alone, whose media type is then read from
  the bytes (an MTOM body names its boundary on its first line);
- `*.har`: HTTP Archive 1.2 files of the vendor's tools, one exchange per entry (bodies as text, or
  base64 when the entry says so);
- `trust.pem`: the CA bundle the DUI's signatures and certificates must chain to, for the checks that
  verify them (without it they verify against the certificate the artifact carries, as `validate` does).
Nothing is read outside DIR (symbolic links leaving it are skipped), no file beyond `MAX_FILE`, no more
than `MAX_FILES`; what cannot be read is listed as skipped, with the reason.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance.engine.options import OptionError

MAX_FILE = 64 * 1024 * 1024
MAX_FILES = 5000
PAIR = re.compile(r"^(?P<stem>.+)\.(?P<side>request|response)(?:\.[A-Za-z0-9]+)?$")
REQUEST_LINE = re.compile(rb"^(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS) (\S+) HTTP/1\.[01]\r?\n")
STATUS_LINE = re.compile(rb"^HTTP/[12](?:\.[01])? (\d{3})[^\r\n]*\r?\n")


@dataclass
class CapturedExchange:
    """One exchange read from the capture folder, in no socle's terms."""

    name: str  # where it came from: a file name, or "file.har#3"
    kind: str  # "email" | "http"
    request: bytes
    method: str = ""
    url: str = ""
    request_headers: dict[str, str] = field(default_factory=dict)
    status: int = 0  # 0: no answer captured
    response_headers: dict[str, str] = field(default_factory=dict)
    response: bytes = b""
    files: list[Path] = field(default_factory=list)  # the files it was read from
    captured_at: str = ""  # ISO time of the exchange (HAR startedDateTime, the Date header, the e-mail's Date)

    @property
    def path(self) -> str:
        return urlsplit(self.url).path if "://" in self.url else self.url.split("?", 1)[0]

    @property
    def content_type(self) -> str:
        return self.request_headers.get("content-type", "")


@dataclass
class CaptureFolder:
    root: Path
    exchanges: list[CapturedExchange]
    skipped: list[dict[str, str]]
    trust: Path | None

    def summary(self) -> dict[str, Any]:
        return {
            "source": self.root.name,
            "files": sum(len(e.files) for e in self.exchanges),
            "exchanges": len(self.exchanges),
            "skipped": self.skipped,
            "trust": self.trust.name if self.trust else None,
        }


def _files(root: Path, skipped: list[dict[str, str]]) -> Iterator[Path]:
    count = 0
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        if not path.resolve().is_relative_to(root):
            skipped.append({"file": rel, "reason": "symbolic link leaving the capture folder"})
            continue
        if not path.is_file():
            continue
        count += 1
        if count > MAX_FILES:
            skipped.append({"file": rel, "reason": f"more than {MAX_FILES} files: not read"})
            continue
        if path.stat().st_size > MAX_FILE:
            skipped.append({"file": rel, "reason": f"larger than {MAX_FILE} bytes: not read"})
            continue
        yield path


def _head(data: bytes, line: re.Pattern[bytes]) -> tuple[re.Match[bytes] | None, dict[str, str], bytes]:
    """(first-line match, headers, body) of a raw HTTP message; no match: the whole file is the body."""
    found = line.match(data)
    if found is None:
        return None, {}, data
    end = data.find(b"\r\n\r\n")
    sep = 4
    if end < 0:
        end, sep = data.find(b"\n\n"), 2
    if end < 0:
        return found, {}, b""
    headers: dict[str, str] = {}
    for raw in data[found.end() : end].decode("latin-1").splitlines():
        name, _, value = raw.partition(":")
        if name.strip():
            headers[name.strip().lower()] = value.strip()
    return found, headers, data[end + sep :]


def sniff_type(body: bytes) -> str:
    """The media type a body without its HTTP head most likely had."""
    start = body.lstrip()[:200]
    if start.startswith(b"--"):
        boundary = start.split(b"\n", 1)[0].strip()[2:].decode("latin-1")
        return f'multipart/related; type="application/xop+xml"; boundary="{boundary}"'
    if start.startswith((b"{", b"[")):
        return "application/fhir+json"
    if start.startswith(b"<"):
        return "application/soap+xml"
    return "application/octet-stream"


def when(value: str) -> str:
    """An HTTP or e-mail date (RFC 5322) or an ISO time, as ISO 8601 UTC; '' when it is neither."""
    import datetime as dt
    from email.utils import parsedate_to_datetime

    if not value.strip():
        return ""
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        try:
            moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return ""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _email(rel: str, path: Path) -> CapturedExchange:
    from email.parser import BytesParser

    data = path.read_bytes()
    date = str(BytesParser().parsebytes(data, headersonly=True).get("Date") or "")
    return CapturedExchange(rel, "email", data, files=[path], captured_at=when(date))


def _pair(stem: str, request: Path | None, response: Path | None) -> CapturedExchange:
    raw = request.read_bytes() if request else b""
    found, headers, body = _head(raw, REQUEST_LINE)
    ex = CapturedExchange(stem, "http", body, files=[p for p in (request, response) if p])
    ex.method = found.group(1).decode() if found else ("POST" if body else "GET")
    ex.url = found.group(2).decode("latin-1") if found else ""
    ex.request_headers = headers or {"content-type": sniff_type(body)}
    if response is not None:
        got, rheaders, rbody = _head(response.read_bytes(), STATUS_LINE)
        ex.status = int(got.group(1)) if got else 200
        ex.response_headers = rheaders or {"content-type": sniff_type(rbody)}
        ex.response = rbody
    ex.captured_at = when(ex.request_headers.get("date", "") or ex.response_headers.get("date", ""))
    return ex


def _har_body(holder: dict[str, Any], text_key: str) -> bytes:
    text = holder.get(text_key)
    if not isinstance(text, str):
        return b""
    if holder.get("encoding") == "base64":
        return base64.b64decode(text, validate=True)
    return text.encode("utf-8")


def _har(path: Path, rel: str) -> list[CapturedExchange]:
    data = json.loads(path.read_bytes())
    entries = data["log"]["entries"]
    if not isinstance(entries, list):
        raise ValueError("log.entries is not a list")
    out = []
    for i, entry in enumerate(entries, start=1):
        req, resp = entry["request"], entry.get("response") or {}
        post = req.get("postData") or {}
        ex = CapturedExchange(f"{rel}#{i}", "http", _har_body(post, "text"), files=[path] if i == 1 else [])
        ex.method, ex.url = str(req.get("method", "GET")).upper(), str(req.get("url", ""))
        ex.request_headers = {str(h["name"]).lower(): str(h["value"]) for h in req.get("headers", [])}
        if post.get("mimeType") and "content-type" not in ex.request_headers:
            ex.request_headers["content-type"] = str(post["mimeType"])
        ex.status = int(resp.get("status") or 0)
        ex.response_headers = {str(h["name"]).lower(): str(h["value"]) for h in resp.get("headers", [])}
        ex.response = _har_body(resp.get("content") or {}, "text")
        ex.captured_at = when(str(entry.get("startedDateTime") or ""))
        out.append(ex)
    return out


def read_captures(root: Path) -> CaptureFolder:
    """Every exchange of the folder, in file order; OptionError when the folder holds none."""
    root = Path(root).resolve()
    skipped: list[dict[str, str]] = []
    exchanges: list[CapturedExchange] = []
    pairs: dict[str, dict[str, Path]] = {}
    trust = None
    for path in _files(root, skipped):
        rel = path.relative_to(root).as_posix()
        name = path.name.lower()
        try:
            if name == "trust.pem":
                trust = path
            elif name.endswith(".eml"):
                exchanges.append(_email(rel, path))
            elif name.endswith(".har"):
                exchanges.extend(_har(path, rel))
            elif found := PAIR.match(path.name):
                pairs.setdefault(str(path.parent / found["stem"]), {})[found["side"]] = path
            else:
                skipped.append({"file": rel, "reason": "not a capture this harness reads"})
        except (OSError, ValueError, KeyError, TypeError, binascii.Error) as exc:
            skipped.append({"file": rel, "reason": f"unreadable: {type(exc).__name__}: {str(exc)[:200]}"})
    for stem, sides in sorted(pairs.items()):
        rel = Path(stem).relative_to(root).as_posix()
        if "request" not in sides:
            skipped.append({"file": sides["response"].relative_to(root).as_posix(), "reason": "answer without request"})
            continue
        try:
            exchanges.append(_pair(rel, sides.get("request"), sides.get("response")))
        except OSError as exc:
            skipped.append({"file": rel, "reason": f"unreadable: {exc}"})
    if not exchanges:
        raise OptionError(f"--from-capture {root}: no e-mail, HTTP request/response pair or HAR file to judge")
    return CaptureFolder(root, exchanges, skipped, trust)
