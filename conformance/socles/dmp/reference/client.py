"""The reference DUI's HTTPS client for the DMP: mutual TLS with the structure certificate, trust in
the test IGC-Santé only, CRL checked, and a reading of the RegistryResponse or SOAP fault."""

from __future__ import annotations

import http.client
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance.formats.ebrim import RS, SOAP12
from conformance.formats.tls_reuse import reused
from conformance.formats.xmlsafe import XmlRefused, parse_xml
from conformance.identity import DEMO, Software, software_of

SUCCESS = "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"


class DmpUnreachable(Exception):
    """TLS refused, connection failed, or an answer that is not SOAP: the feed did not happen."""


@dataclass(frozen=True)
class DmpTls:
    any_issuer: bool = False  # accept a server certificate from any CA (defect)
    ignore_dates: bool = False  # accept an expired server certificate (defect)


@dataclass
class DmpConfig:
    url: str
    ca_bundle: Path
    crl: Path | None
    client_cert: Path
    client_key: Path
    signing_cert: Path
    signing_key: Path
    timeout: float = 10.0
    query_url: str = ""  # ITI-18 (TD3.1)
    retrieve_url: str = ""  # ITI-43 (TD3.2)
    td02_url: str = ""  # TD0.2 (existence and status of the DMP)
    software: Software = DEMO  # named in the VIHF (LPS_*) and the User-Agent

    @classmethod
    def from_settings(cls, s: dict[str, Any]) -> DmpConfig:
        return cls(
            str(s["url"]),
            Path(s["ca_bundle"]),
            Path(s["crl"]) if s.get("crl") else None,
            Path(s["client_cert"]),
            Path(s["client_key"]),
            Path(s["signing_cert"]),
            Path(s["signing_key"]),
            query_url=str(s.get("query_url") or ""),
            retrieve_url=str(s.get("retrieve_url") or ""),
            td02_url=str(s.get("td02_url") or ""),
            software=software_of(s),
        )


@dataclass
class DmpAnswer:
    registry_status: str  # Success | Failure | Fault
    errors: list[dict[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.registry_status == "Success" and not self.errors


def tls_context(cfg: DmpConfig, flaws: DmpTls) -> ssl.SSLContext:
    """Built once, again when one of its files changes (a CRL the harness rewrites)."""
    files = (cfg.ca_bundle, cfg.crl, cfg.client_cert, cfg.client_key)
    return reused(("dmp", flaws), files, lambda: _new_context(cfg, flaws))


def _new_context(cfg: DmpConfig, flaws: DmpTls) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(str(cfg.client_cert), str(cfg.client_key))
    if flaws.any_issuer or flaws.ignore_dates:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    ctx.load_verify_locations(str(cfg.ca_bundle))
    if cfg.crl is not None:
        ctx.load_verify_locations(str(cfg.crl))
        ctx.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
    return ctx


def read_answer(status: int, body: bytes) -> DmpAnswer:
    try:
        root = parse_xml(body)
    except XmlRefused as exc:
        raise DmpUnreachable(f"réponse du DMP illisible (HTTP {status}) : {exc}") from exc
    fault = root.find(f"{{{SOAP12}}}Body/{{{SOAP12}}}Fault")
    if fault is not None:
        code = " ".join(v.text or "" for v in fault.iter(f"{{{SOAP12}}}Value"))
        reason = "".join(fault.findtext(f"{{{SOAP12}}}Reason/{{{SOAP12}}}Text") or "")
        return DmpAnswer("Fault", [{"errorCode": code.strip(), "codeContext": reason, "location": ""}])
    resp = root.find(f"{{{SOAP12}}}Body/{{{RS}}}RegistryResponse")
    if resp is None:
        raise DmpUnreachable(f"réponse du DMP sans RegistryResponse (HTTP {status})")
    errors = [
        {
            "errorCode": e.get("errorCode", ""),
            "codeContext": e.get("codeContext", ""),
            "location": e.get("location", ""),
        }
        for e in resp.iter(f"{{{RS}}}RegistryError")
    ]
    return DmpAnswer("Success" if resp.get("status") == SUCCESS else "Failure", errors)


def exchange(
    cfg: DmpConfig, method: str, target: str, body: bytes | None, headers: dict[str, str], flaws: DmpTls
) -> tuple[int, str, bytes]:
    """One HTTPS exchange with the DMP: (status, Content-Type, body); any transport failure is DmpUnreachable."""
    url = urlsplit(target)
    conn = http.client.HTTPSConnection(
        url.hostname or "localhost", url.port or 443, context=tls_context(cfg, flaws), timeout=cfg.timeout
    )
    path = url.path + (f"?{url.query}" if url.query else "")
    try:
        conn.request(method, path, body=body, headers={"User-Agent": cfg.software.product, **headers})
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type", ""), resp.read(64 * 1024 * 1024)
    except (OSError, http.client.HTTPException) as exc:
        raise DmpUnreachable(f"DMP injoignable ou refusé ({target}) : {exc}") from exc
    finally:
        conn.close()


def post(cfg: DmpConfig, content_type: str, body: bytes, flaws: DmpTls) -> DmpAnswer:
    status, _, data = exchange(cfg, "POST", cfg.url, body, {"Content-Type": content_type}, flaws)
    return read_answer(status, data)
