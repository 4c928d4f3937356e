"""Which software fed the mock DMP, as the exchanges say: the VIHF's LPS_Nom, LPS_Version and
LPS_ID_HOMOLOGATION_DMP, the HTTP User-Agent, and the structure named by the TLS client certificate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cryptography import x509

from conformance.engine.evidence import DUI
from conformance.formats.xmlsafe import XmlRefused, parse_xml
from conformance.identity import SOFTWARE, STRUCTURE, IdentityFact, product

from .checks.vihf import attributes, text_of
from .mtom import MtomError, parse_mtom

SOCLE = "dmp"
SAML_ASSERTION = "{urn:oasis:names:tc:SAML:2.0:assertion}Assertion"
MAX_REQUESTS = 200  # identities repeat: the first requests of a run say it all


def vihf_software(content_type: str, body: bytes) -> IdentityFact | None:
    """The LPS_* attributes of the VIHF a request carries (None when it carries none that can be read)."""
    raw = body
    try:
        if content_type.lower().startswith("multipart/"):
            raw = parse_mtom(content_type, body).envelope_bytes
        root = parse_xml(raw)
    except (MtomError, XmlRefused, ValueError):
        return None
    assertion = next(root.iter(SAML_ASSERTION), None)
    if assertion is None:
        return None
    attrs = attributes(assertion)
    name = text_of(attrs.get("LPS_Nom", []))
    if not name:
        return None
    version, homologation = text_of(attrs.get("LPS_Version", [])), text_of(attrs.get("LPS_ID_HOMOLOGATION_DMP", []))
    raw_text = f"LPS_Nom={name}; LPS_Version={version}; LPS_ID_HOMOLOGATION_DMP={homologation}"
    return IdentityFact(SOCLE, "vihf", SOFTWARE, name, version, homologation, raw_text)


def structure(der: bytes) -> IdentityFact | None:
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return None
    org = cert.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)
    unit = cert.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATIONAL_UNIT_NAME)
    name = str(org[0].value) if org else cert.subject.rfc4514_string()
    return IdentityFact(
        SOCLE,
        "tls-client-certificate",
        STRUCTURE,
        name,
        "",
        str(unit[0].value) if unit else "",
        cert.subject.rfc4514_string(),
    )


def observed(entries: list[dict[str, Any]], read: Callable[[str], bytes | None]) -> list[IdentityFact]:
    found: list[IdentityFact] = []
    requests = [e for e in entries if e.get("kind") == "dmp-request" and e.get("role") == DUI][:MAX_REQUESTS]
    for entry in requests:
        meta = entry.get("meta") or {}
        agent = str(meta.get("user_agent") or "")
        if agent:
            name, version = product(agent)
            found.append(IdentityFact(SOCLE, "http-user-agent", SOFTWARE, name, version, "", agent))
        body = read(str(entry.get("path")))
        fact = vihf_software(str(meta.get("content_type") or ""), body) if body else None
        if fact is not None:
            found.append(fact)
    for entry in entries:
        if entry.get("kind") == "dmp-client-cert":
            der = read(str(entry.get("path")))
            fact = structure(der) if der else None
            if fact is not None:
                found.append(fact)
    return list(dict.fromkeys(found))
