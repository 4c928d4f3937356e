"""Write a SOAP 1.2 MTOM/XOP request with the stdlib `email` package (CRLF lines).

Attachments travel base64-encoded (a Content-Transfer-Encoding MIME allows on any part): the
generator normalises line ends in 8-bit payloads, which would corrupt document bytes. The mock
DMP also accepts binary parts (tests send one by curl).
"""

from __future__ import annotations

import email.policy
import uuid
from email.generator import BytesGenerator
from email.message import EmailMessage
from io import BytesIO

from conformance.formats.ebrim import ITI41 as ITI41_ACTION


def mtom_request(
    envelope: bytes, attachments: dict[str, bytes], action: str = ITI41_ACTION, start_info: bool = True
) -> tuple[str, bytes]:
    """(Content-Type header value, body). `attachments` maps Content-ID (no <>) to bytes."""
    policy = email.policy.HTTP.clone(cte_type="8bit", max_line_length=76)
    msg = EmailMessage(policy=policy)
    msg.make_mixed()  # replaced below: we only need a multipart container
    msg.replace_header("Content-Type", "multipart/related")
    root_id = f"root.{uuid.uuid4().hex}@dui-conformance"
    msg.set_param("type", "application/xop+xml")
    msg.set_param("start", f"<{root_id}>")
    if start_info:
        msg.set_param("start-info", "application/soap+xml")
    msg.set_param("action", action)
    root = EmailMessage(policy=policy)
    root.set_content(envelope, "application", "xop+xml", cte="binary", disposition=None)
    root.set_param("charset", "UTF-8")
    root.set_param("type", "application/soap+xml")
    root["Content-ID"] = f"<{root_id}>"
    msg.attach(root)
    for cid, data in attachments.items():
        part = EmailMessage(policy=policy)
        # base64: the email generator rewrites line ends of binary payloads, which would change the hash
        part.set_content(data, "application", "octet-stream", cte="base64")
        part["Content-ID"] = f"<{cid}>"
        msg.attach(part)
    buf = BytesIO()
    BytesGenerator(buf, policy=policy).flatten(msg)
    raw = buf.getvalue()
    head, _, body = raw.partition(b"\r\n\r\n")
    ctype = ""
    for line in head.replace(b"\r\n ", b" ").replace(b"\r\n\t", b" ").split(b"\r\n"):
        if line.lower().startswith(b"content-type:"):
            ctype = line.split(b":", 1)[1].strip().decode("ascii")
    return ctype, body
