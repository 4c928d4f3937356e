"""Read a SOAP 1.2 MTOM/XOP request with the stdlib `email` package: root envelope + binary parts.

Shared by the mock DMP (which must answer malformed input with a SOAP fault, not crash) and the
"soap" check (which must name what is wrong). `xop:Include` references inside the envelope are
resolved to the bytes of the part whose Content-ID they name.
"""

from __future__ import annotations

import email.policy
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesParser
from urllib.parse import unquote

from lxml import etree

from conformance.formats.ebrim import XDSB, XOP
from conformance.formats.xmlsafe import XmlRefused, parse_xml
from conformance.messages import Text

from .messages import M

MAX_BODY = 64 * 1024 * 1024


class MtomError(ValueError):
    """The request is not a readable MTOM/XOP SOAP message; the text says why and where."""

    def __init__(self, text: Text, location: str = "HTTP body") -> None:
        super().__init__(text.en)
        self.text, self.location = text, location

    @property
    def en(self) -> str:
        return self.text.en

    @property
    def fr(self) -> str:
        return self.text.fr


@dataclass
class MtomMessage:
    content_type: str
    params: dict[str, str]
    envelope: etree._Element
    envelope_bytes: bytes
    parts: dict[str, bytes] = field(default_factory=dict)  # Content-ID without <> -> bytes
    documents: dict[str, bytes] = field(default_factory=dict)  # xdsb:Document/@id -> bytes


def _cid(value: str) -> str:
    v = "".join(value.split())  # a folded header keeps its line breaks; a Content-ID has no whitespace
    if v.startswith("cid:"):
        v = unquote(v[4:])
    return v.strip("<>")


def parse_mtom(content_type: str, body: bytes) -> MtomMessage:
    if len(body) > MAX_BODY:
        raise MtomError(M.text("mtom.too-large", limit=MAX_BODY))
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    # compat32: the structured-header policies cost 3x more per part and MTOM needs none of their folding
    msg = BytesParser(policy=email.policy.compat32).parsebytes(head + body)
    params = {k.lower(): str(v) for k, v in msg.get_params(header="content-type", failobj=[])[1:]}
    if msg.get_content_type() != "multipart/related" or not msg.is_multipart():
        raise MtomError(M.text("mtom.not-multipart", type=msg.get_content_type()), "HTTP Content-Type")
    payload = msg.get_payload()
    parts = [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []
    if not parts or msg.defects and not parts:
        raise MtomError(M.text("mtom.no-part"))
    start = _cid(params.get("start", ""))
    by_cid = {_cid(str(p.get("Content-ID", ""))): p for p in parts}
    root = by_cid.get(start) if start else parts[0]
    if root is None:
        raise MtomError(M.text("mtom.no-start-part", start=start))
    raw = root.get_payload(decode=True)
    data = raw if isinstance(raw, bytes) else b""
    try:
        envelope = parse_xml(data)
    except XmlRefused as exc:
        raise MtomError(M.text("mtom.root-not-xml", reason=str(exc)), "MIME part 1") from exc
    blobs: dict[str, bytes] = {}
    for cid, p in by_cid.items():
        if p is root:
            continue
        payload = p.get_payload(decode=True)
        blobs[cid] = payload if isinstance(payload, bytes) else b""
    out = MtomMessage(msg.get_content_type(), params, envelope, data, blobs)
    for doc in envelope.iter(f"{{{XDSB}}}Document"):
        inc = doc.find(f"{{{XOP}}}Include")
        if inc is None:
            continue
        ref = _cid(inc.get("href", ""))
        if ref not in blobs:
            raise MtomError(
                M.text("mtom.include-unresolved", href=inc.get("href")), f"xdsb:Document[@id='{doc.get('id')}']"
            )
        out.documents[doc.get("id", "")] = blobs[ref]
    return out
