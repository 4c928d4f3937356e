"""The DMP relay as the DMP scenarios see it: the mock DMP's interface over a real test platform.

The DMP fixtures read the mock through `log` (the exchanges of a step), `records` (what the DMP holds
for a patient), `variant`, `td02_stale`, `pki.ca_bundle` and `settings()`. The relay gives the same:
- every exchange becomes an `Exchange` as the mock records it (request with its MTOM envelope and
  documents, answer status and RegistryErrors, the DUI's certificate), journalled as `dmp-request` /
  `dmp-response` with both legs in the metadata (platform endpoint and certificate fingerprint);
- `records` is what the platform itself said: the DMP status of a patient from its TD0.2 answers, the
  documents from the feeds it answered Success to (never guessed: a patient it never spoke of has none);
- the DUI's TLS leg is the harness's, so `variant` ("rogue-ca", "expired") still works; a closed DMP
  appearing between two calls (`td02_stale`) is the platform's to decide: `NotInSandbox`;
- `pki.ca_bundle` is the trust the checks judge with: the harness's test CA (the DUI's certificate on its
  leg) and the CA that must vouch for the DUI's signatures on the platform.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

from conformance.engine.capture.https import HttpsRelay, Relayed
from conformance.engine.capture.profile import Platform
from conformance.engine.capture.sandbox import NotInSandbox, SandboxRun
from conformance.engine.evidence import DUI, PLATFORM, EvidenceJournal
from conformance.formats.ebrim import APPROVED, DE_IDS, RS, SOAP12
from conformance.formats.pki import TestPKI
from conformance.formats.xmlsafe import XmlRefused, parse_xml

from ..checks.xds_model import read_metadata
from ..messages import M
from ..mtom import MtomError, parse_mtom
from ..service import td02
from ..service.app import PATH, QUERY_PATH, RETRIEVE_PATH, VARIANTS
from ..service.records import Exchange, ExchangeLog, PatientDmp
from ..service.store import REPOSITORY_ID, StoredDocument

DEFAULT_PATHS = {"ITI-41": PATH, "ITI-18": QUERY_PATH, "ITI-43": RETRIEVE_PATH, "TD0.2": td02.PATH}
PATH_KEYS = {"ITI-41": "iti41", "ITI-18": "iti18", "ITI-43": "iti43", "TD0.2": "td02"}


class Trust:
    """The trust anchors the DMP checks judge a sandbox run with (one PEM bundle)."""

    def __init__(self, harness: TestPKI, platform: Platform) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="dui-conformance-dmp-trust-"))
        signature_ca = platform.files.get("signature_ca") or platform.upstreams["https"].ca
        self.ca_bundle = self._dir / "trust.pem"
        self.ca_bundle.write_bytes(harness.ca_bundle.read_bytes() + b"\n" + Path(signature_ca).read_bytes())
        self.crl = Path(harness.crl)  # the DUI signs with the harness PKI: its revocation list applies

    def close(self) -> None:
        shutil.rmtree(self._dir, ignore_errors=True)


class DmpRelay:
    def __init__(
        self, journal: EvidenceJournal, pki: TestPKI, run: SandboxRun, platform: Platform, *, port: int = 0
    ) -> None:
        self.journal = journal
        self.harness_pki = pki
        self.run = run
        self.platform = platform
        self.upstream = platform.upstreams["https"]
        self.paths = {t: platform.texts.get(k, DEFAULT_PATHS[t]) for t, k in PATH_KEYS.items()}
        self.pki = Trust(pki, platform)
        self.records: dict[str, PatientDmp] = {}
        self.log = ExchangeLog()
        self._relay = HttpsRelay(self.upstream, pki, self._record, port=port)

    @property
    def repository_id(self) -> str:
        return self.platform.texts.get("repository_id", REPOSITORY_ID)

    # -- what the scenarios set ------------------------------------------------------------------

    @property
    def variant(self) -> str:
        return self._relay.variant

    @variant.setter
    def variant(self, value: str) -> None:
        if value not in VARIANTS:
            raise ValueError(f"unknown DMP variant {value!r}")
        self._relay.variant = value

    @property
    def td02_stale(self) -> bool:
        return False

    @td02_stale.setter
    def td02_stale(self, value: bool) -> None:
        if value:
            raise NotInSandbox(M.text("sandbox.td02-stale"))

    # -- the exchanges ---------------------------------------------------------------------------

    def transaction(self, ex: Relayed) -> str:
        for name, path in self.paths.items():
            if ex.path == path:
                return name
        return "ITI-41" if ex.method == "POST" else "TD0.2"

    def _record(self, ex: Relayed) -> None:
        transaction = self.transaction(ex)
        is_td02 = transaction == "TD0.2"
        body = ex.query.encode("utf-8") if is_td02 else ex.request
        stem = transaction.lower().replace("-", "").replace(".", "")
        meta = {**ex.meta(), "transaction": transaction, "path": ex.path}
        meta["client_certificate_sha256"] = meta["dui_certificate_sha256"]
        meta["user_agent"] = ex.header("user-agent")[:300]  # as the mock records it: the DUI's identity
        name = f"{stem}-request.{'txt' if is_td02 else 'mime'}"
        req = self.journal.record("dmp-request", name, body, meta=meta, role=DUI)
        status, errors, why = self.answer(ex, transaction)
        resp = self.journal.record(
            "dmp-response",
            f"{stem}-response.{'json' if is_td02 else 'xml'}",
            ex.response,
            meta={
                "status": status,
                "errors": errors,
                "http_status": ex.status,
                "upstream": ex.upstream,
                "upstream_certificate_sha256": ex.upstream_cert_sha256,
                "upstream_error": why,
                "for_request": req.sha256,
            },
            role=PLATFORM,
        )
        if why:
            self.run.failed(self.upstream, why, resp, self.journal.scenario)
        envelope, documents = self._parts(ex) if transaction == "ITI-41" else (b"", {})
        exchange = Exchange(
            req.seq,
            ex.path,
            ex.content_type,
            body,
            ex.response,
            status,
            errors,
            ex.client_cert,
            req,
            resp,
            documents,
            envelope,
            transaction,
        )
        self._learn(exchange)
        self.log.add(exchange)

    def answer(self, ex: Relayed, transaction: str) -> tuple[str, list[dict[str, str]], str]:
        """(status, errors, why the platform's answer is unusable or '') as the mock would have recorded it."""
        if ex.error:
            return "Fault", [{"errorCode": "relay:platform-failure", "codeContext": ex.error, "location": ""}], ex.error
        if transaction == "TD0.2":
            return ("Success" if ex.status == 200 else "Failure"), [], ""
        try:
            status, errors = soap_outcome(ex.header("content-type", response=True), ex.response)
        except ValueError as exc:
            why = f"HTTP {ex.status}, not a SOAP 1.2 answer of {transaction}: {exc}"
            return "Fault", [{"errorCode": "relay:unreadable", "codeContext": why, "location": ""}], why
        return status, errors, ""

    @staticmethod
    def _parts(ex: Relayed) -> tuple[bytes, dict[str, bytes]]:
        if not ex.content_type.lower().startswith("multipart/"):
            return ex.request, {}
        try:
            msg = parse_mtom(ex.content_type, ex.request)
        except MtomError:
            return b"", {}
        return msg.envelope_bytes, msg.documents

    # -- what the platform said it holds ----------------------------------------------------------

    def _learn(self, ex: Exchange) -> None:
        if ex.transaction == "TD0.2" and ex.status == "Success":
            self._learn_status(ex)
        elif ex.transaction == "ITI-41" and ex.status == "Success" and ex.envelope:
            self._learn_feed(ex)

    def _learn_status(self, ex: Exchange) -> None:
        query = ex.request.decode("utf-8", "replace")
        ident = next((v for k, _, v in (p.partition("=") for p in query.split("&")) if k == "identifier"), "")
        system, _, value = unquote_plus(ident).partition("|")
        if not value:
            return
        cx = f"{value}^^^&{system.removeprefix('urn:oid:')}&ISO^NH"
        try:
            bundle = json.loads(ex.response)
        except ValueError:
            return
        if not isinstance(bundle, dict):
            return
        status = "active" if bundle.get("total") else "none"
        for entry in bundle.get("entry") or []:
            resource = entry.get("resource", {}) if isinstance(entry, dict) else {}
            for ext in resource.get("extension", []) if isinstance(resource, dict) else []:
                if isinstance(ext, dict) and ext.get("url") == td02.STATUS_EXTENSION:
                    status = str(ext.get("valueCode") or status)
        record = self.records.setdefault(cx, PatientDmp("", cx, status, False))
        record.status = status

    def _learn_feed(self, ex: Exchange) -> None:
        md, _ = read_metadata(ex.envelope, ex.documents)
        if md is None:
            return
        for entry in md.entries:
            part = md.documents.get(entry.id)
            unique_id, patient = entry.ext(DE_IDS["uniqueId"]), entry.ext(DE_IDS["patientId"])
            if part is None or part.data is None or not unique_id or not patient:
                continue
            mime = entry.el.get("mimeType", "")
            record = self.records.setdefault(patient, PatientDmp("", patient, "active", False))
            record.documents[unique_id] = StoredDocument(unique_id, entry.id, patient, APPROVED, mime, part.data, b"")

    # -- life ------------------------------------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        """What the DUI is configured with: the relay's URLs, the harness's CA and certificate for its leg."""
        p, files = self.harness_pki, self.platform.files
        url = {t: self._relay.origin + path for t, path in self.paths.items()}
        return {
            "url": url["ITI-41"],
            "query_url": url["ITI-18"],
            "retrieve_url": url["ITI-43"],
            "td02_url": url["TD0.2"],
            "ca_bundle": str(p.ca_bundle),
            "crl": str(p.crl),
            "client_cert": str(p.client_cert),
            "client_key": str(p.client_key),
            "signing_cert": str(files.get("signing_cert") or p.signing_cert),
            "signing_key": str(files.get("signing_key") or p.signing_key),
        }

    def start(self) -> None:
        self._relay.start()

    def stop(self) -> None:
        self._relay.stop()
        self.pki.close()


def soap_outcome(content_type: str, body: bytes) -> tuple[str, list[dict[str, str]]]:
    """(Success | PartialSuccess | Failure | Fault, RegistryErrors) of an XDS answer (plain or MTOM); ValueError
    when it is not a SOAP 1.2 envelope carrying a fault or a response status."""
    try:
        if content_type.lower().startswith("multipart/"):
            root = parse_mtom(content_type, body).envelope
        else:
            root = parse_xml(body)
    except (MtomError, XmlRefused) as exc:
        raise ValueError(str(exc)) from exc
    if root.tag != f"{{{SOAP12}}}Envelope":
        raise ValueError(f"root element {root.tag}")
    fault = root.find(f"{{{SOAP12}}}Body/{{{SOAP12}}}Fault")
    if fault is not None:
        code = " ".join((v.text or "").strip() for v in fault.iter(f"{{{SOAP12}}}Value"))
        reason = "".join(fault.findtext(f"{{{SOAP12}}}Reason/{{{SOAP12}}}Text") or "")
        return "Fault", [{"errorCode": code.strip(), "codeContext": reason.strip(), "location": ""}]
    body_el = root.find(f"{{{SOAP12}}}Body")
    status = next(
        (
            el.get("status", "")
            for el in (body_el.iter() if body_el is not None else ())
            if ":ResponseStatusType:" in el.get("status", "")
        ),
        "",
    )
    if not status:
        raise ValueError("no response status in the SOAP Body")
    errors = [
        {
            "errorCode": e.get("errorCode", ""),
            "codeContext": e.get("codeContext", ""),
            "location": e.get("location", ""),
        }
        for e in root.iter(f"{{{RS}}}RegistryError")
    ]
    return status.rsplit(":", 1)[-1], errors
