"""A mutual-TLS FHIR client for the tests of the stand-in e-prescription service."""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from typing import Any

from conformance.socles.eprescription.service import PrescriptionService

FHIR = "application/fhir+json"


class Client:
    def __init__(self, service: PrescriptionService, *, client_cert: bool = True) -> None:
        self.service = service
        self.ctx = ssl.create_default_context(cafile=str(service.pki.ca_bundle))
        if client_cert:
            self.ctx.load_cert_chain(str(service.pki.client_cert), str(service.pki.client_key))

    def call(self, method: str, path: str, body: bytes | None = None, ctype: str = FHIR) -> tuple[int, Any]:
        req = urllib.request.Request(
            self.service.base_url + path, data=body, method=method, headers={"Content-Type": ctype}
        )
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=10) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())
