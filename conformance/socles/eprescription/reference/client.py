"""The reference DUI's e-prescription side: register an ordonnance, print it, cancel it.

It speaks FHIR R4 REST to the service over HTTPS with mutual TLS (trusting only the test
IGC-Santé bundle, presenting the ORG client certificate), reports the service's refusals to the user
with the service's own diagnostics, and prints the ordonnance with the number the service assigned.
With a seeded defect exactly one of these goes wrong (its `FlowFlaw`, or the Bundle's or the print's;
sharing the ordonnance with the DMP and the patient is `share`).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from conformance.drivers.base import Outcome
from conformance.formats.tls_reuse import reused
from conformance.identity import DEMO, Software, software_of
from conformance.socles.eprescription.reference.bundle import build_bundle
from conformance.socles.eprescription.reference.pdf import PrintInput, ordonnance_pdf
from conformance.socles.eprescription.reference.switches import FlowFlaw, Switches

ORGANIZATION = {"finess": "990000001", "name": "EHPAD ESSAI"}  # synthetic: département 99 has no FINESS
FHIR_JSON = "application/fhir+json; fhirVersion=4.0"


@dataclass
class EpConfig:
    base_url: str
    ca_bundle: str
    client_cert: str
    client_key: str
    number_system: str
    timeout: float = 10.0
    software: Software = DEMO  # named in the User-Agent

    @classmethod
    def from_settings(cls, s: dict[str, Any]) -> EpConfig:
        return cls(
            str(s["base_url"]).rstrip("/"),
            str(s["ca_bundle"]),
            str(s["client_cert"]),
            str(s["client_key"]),
            str(s.get("number_system", "")),
            software=software_of(s),
        )

    def context(self) -> ssl.SSLContext:
        """Built once, again when one of its files changes."""
        return reused("eprescription", (self.ca_bundle, self.client_cert, self.client_key), self._new_context)

    def _new_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=self.ca_bundle)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(self.client_cert, self.client_key)
        return ctx


@dataclass
class Issued:
    """An ordonnance the service registered: whose it is and the PDF printed for it (shared as is)."""

    number: str
    patient: dict[str, Any]
    pdf: bytes


def _diagnostics(body: bytes) -> str:
    """The service's OperationOutcome as the one-line message shown to the user."""
    try:
        oo = json.loads(body.decode("utf-8"))
        texts = [str(i.get("diagnostics", "")) for i in oo.get("issue", []) if i.get("severity") in ("error", "fatal")]
        return " ; ".join(t for t in texts if t)[:2000] or "refus sans diagnostic"
    except (ValueError, AttributeError):
        return body[:300].decode("utf-8", "replace")


class Prescriber:
    """Verbs "eprescription.prescribe" and "eprescription.cancel", and the record of what was issued."""

    def __init__(self, sw: Switches) -> None:
        self.sw = sw
        self.cfg: EpConfig | None = None
        self._seq = 0
        self.issued: dict[str, Issued] = {}  # prescription number -> what was registered and printed

    def configure(self, settings: dict[str, Any]) -> None:
        self.cfg = EpConfig.from_settings(settings)

    def _call(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        assert self.cfg is not None
        req = urllib.request.Request(
            self.cfg.base_url + path,
            data=body,
            method=method,
            headers={
                "Content-Type": FHIR_JSON,
                "Accept": "application/fhir+json",
                "User-Agent": self.cfg.software.product,
            },
        )
        try:
            with urllib.request.urlopen(req, context=self.cfg.context(), timeout=self.cfg.timeout) as resp:
                return resp.status, resp.read(16 * 1024 * 1024)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(1024 * 1024)

    def _ready(self) -> Outcome | None:
        if self.cfg is None:
            return Outcome("error", detail="le DUI n'est pas configuré pour l'ordonnance numérique")
        return None

    def prescribe(self, p: dict[str, Any]) -> Outcome:
        if (not_ready := self._ready()) is not None:
            return not_ready
        assert self.cfg is not None
        if not p.get("lines"):
            return Outcome("refused", detail="ordonnance sans ligne de prescription")
        now = dt.datetime.now(dt.timezone(dt.timedelta(hours=1))).replace(microsecond=0)
        self._seq += 1
        params = {**p, "organization": p.get("organization") or ORGANIZATION}
        built = build_bundle(
            params, self.sw.bundle, authored=now.isoformat(), group=f"ORD-{now:%Y%m%d%H%M%S}-{self._seq}"
        )
        data = json.dumps(built.bundle, ensure_ascii=False).encode("utf-8")
        try:
            status, body = self._call("POST", "/Bundle", data)
        except (OSError, ssl.SSLError) as exc:
            return Outcome("error", detail=f"service ordonnance numérique injoignable : {exc}")
        if status != 201:
            if self.sw.flow is FlowFlaw.REPORTS_REFUSAL_AS_REGISTERED:
                return Outcome(
                    "ok",
                    {"prescription_number": built.group, "bundle": data.decode("utf-8")},
                    detail="ordonnance enregistrée",
                )
            why = _diagnostics(body)
            return Outcome("error", {"http_status": status}, detail=f"refus du service ({status}) : {why}")
        try:
            number = str(json.loads(body.decode("utf-8"))["identifier"]["value"])
        except (ValueError, KeyError, TypeError):
            return Outcome("error", detail="réponse du service sans numéro de prescription")
        pdf = ordonnance_pdf(
            PrintInput(
                number,
                p["patient"],
                p["prescriber"],
                params["organization"],
                now.strftime("%d/%m/%Y"),
                built.rendered,
                now,
            ),
            self.sw.printed,
        )
        self.issued[number] = Issued(number, dict(p["patient"]), pdf)
        return Outcome(
            "ok",
            {
                "prescription_number": number,
                "bundle": data.decode("utf-8"),
                "ordonnance_pdf": base64.b64encode(pdf).decode("ascii"),
            },
            detail=f"ordonnance {number} enregistrée",
        )

    def cancel(self, p: dict[str, Any]) -> Outcome:
        if (not_ready := self._ready()) is not None:
            return not_ready
        number = str(p.get("prescription_number", ""))
        if not number:
            return Outcome("refused", detail="numéro de prescription manquant")
        if self.sw.flow is FlowFlaw.CANCELS_LOCALLY:
            return Outcome("ok", {"prescription_number": number}, detail="ordonnance annulée")
        try:
            status, body = self._call("POST", f"/Bundle/{urllib.parse.quote(number, safe='')}/$cancel", b"")
        except (OSError, ssl.SSLError) as exc:
            return Outcome("error", detail=f"service ordonnance numérique injoignable : {exc}")
        if status != 200:
            why = _diagnostics(body)
            return Outcome("error", {"http_status": status}, detail=f"annulation refusée ({status}) : {why}")
        return Outcome("ok", {"prescription_number": number}, detail=f"ordonnance {number} annulée")
