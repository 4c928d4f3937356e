"""`conformance verify`: is this certificate what the harness produced, and does its evidence hold?

The HTML file alone is enough: its embedded payload and signature are checked, then the whole
page is re-rendered from them and compared byte for byte, so an edit of the visible text is
caught as surely as an edit of the signed data. With `--evidence DIR`, every evidence file is
re-hashed against the index whose hash the certificate signs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from lxml import etree
from lxml import html as lxml_html

from conformance.certificate.payload import SCHEMA, evidence_problems
from conformance.certificate.render import LABELS, render_certificate
from conformance.certificate.sign import verify_envelope

MAX_CERTIFICATE_BYTES = 20 * 1024 * 1024


@dataclass
class Verification:
    valid: bool
    problems: list[str] = field(default_factory=list)
    payload: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "problems": self.problems,
            "certificate_id": (self.payload or {}).get("certificate_id"),
        }


def _invalid(*problems: str) -> Verification:
    return Verification(False, list(problems))


def _blocks(data: bytes) -> tuple[dict[str, Any], dict[str, Any], str]:
    parser = lxml_html.HTMLParser(no_network=True, remove_comments=False, huge_tree=False)
    doc = lxml_html.document_fromstring(data, parser=parser)
    found: dict[str, Any] = {}
    for block in ("certificate-payload", "certificate-signature"):
        nodes = doc.xpath(f"//script[@id='{block}']")
        if len(nodes) != 1:
            raise ValueError(f"expected exactly one <script id={block!r}>, found {len(nodes)}")
        found[block] = json.loads(nodes[0].text or "")
        if not isinstance(found[block], dict):
            raise ValueError(f"{block} is not a JSON object")
    return found["certificate-payload"], found["certificate-signature"], str(doc.get("lang", ""))


def verify_certificate(path: Path, evidence: Path | None = None, trust: Path | None = None) -> Verification:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return _invalid(f"cannot read {path}: {exc}")
    if len(data) > MAX_CERTIFICATE_BYTES:
        return _invalid(f"{path} is larger than any certificate ({len(data)} bytes)")
    try:
        data.decode("utf-8")
        payload, envelope, lang = _blocks(data)
    except (UnicodeDecodeError, ValueError, etree.LxmlError) as exc:
        return _invalid(f"not a readable dui-conformance certificate: {exc}")
    if payload.get("schema") != SCHEMA:
        return _invalid(f"certificate schema is {payload.get('schema')!r}, expected {SCHEMA}")
    anchors: list[x509.Certificate] | None = None
    if trust is not None:
        try:
            anchors = x509.load_pem_x509_certificates(Path(trust).read_bytes())
        except (OSError, ValueError) as exc:
            return _invalid(f"cannot read trust anchors {trust}: {exc}")
    problems = verify_envelope(payload, envelope, anchors)
    if bool(envelope.get("auto_attested")) != bool((payload.get("signer") or {}).get("auto_attested")):
        problems.append("the self-attestation flag differs between the signature and the certificate")
    if lang not in LABELS:
        problems.append(f"unknown certificate language {lang!r}")
    elif not problems:  # already invalid: no need to pay for the re-rendering
        try:
            rendered = render_certificate(payload, envelope, lang).encode("utf-8")
        except Exception as exc:  # a payload edited into a shape the template cannot render
            rendered = b""
            problems.append(f"the certificate content cannot be rendered: {type(exc).__name__}")
        if rendered and rendered != data:
            at = next(
                (i for i, (a, b) in enumerate(zip(rendered, data, strict=False)) if a != b),
                min(len(rendered), len(data)),
            )
            problems.append(f"the page differs from what its signed content renders, from byte {at}")
    if evidence is not None:
        source = Path(evidence)
        if source.is_dir() and (source / "evidence" / "index.json").exists():
            source = source / "evidence"
        index_sha, _, ev_problems = evidence_problems(source)
        problems.extend(ev_problems)
        signed = (payload.get("evidence") or {}).get("index_sha256")
        if index_sha is not None and index_sha != signed:
            problems.append("the evidence index is not the one the certificate signs (index.json altered)")
    return Verification(not problems, problems, payload)
