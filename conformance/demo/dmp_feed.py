"""The reference DUI's DMP feed: verb "dmp.feed" (ITI-41 with VIHF over mutual TLS).

It refuses to feed a resident whose identity is not qualified (RNIV EXI SI 08: nothing reaches
the DMP), builds the CDA (N1 PDF, or a DLU), the XDS lot with its signature entry, a VIHF signed
with the structure's cachet certificate, sends them as MTOM over HTTPS with the ORG client
certificate, and reports the DMP's answer: ok only on a Success RegistryResponse, otherwise an
error that carries each errorCode and codeContext.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from lxml import etree

from conformance.drivers.base import Outcome
from conformance.pki import STRUCTURE_ID
from conformance.socles.dmp.build.cda import DocSpec, Org, build_cda
from conformance.socles.dmp.build.mtom import mtom_request
from conformance.socles.dmp.build.vihf import VihfInput, signed_vihf, unsigned_assertion
from conformance.socles.dmp.build.xds import FeedDoc, LotBuilder, envelope
from conformance.socles.mssante.build.pdf import build_pdf

from .dmp_client import DmpConfig, DmpUnreachable, post
from .dmp_switches import DmpFlaws, dmp_flaws_for
from .errors import Refused

ORG = Org(struct_id="1" + STRUCTURE_ID, name="TEST EHPAD ESSAI")
SOURCE_OID = "1.2.250.1.999.1.1.7898"  # the demo DUI's (made-up) OID root
DLU_CODE = "74207-2"


def _oid(branch: str) -> str:
    return f"{SOURCE_OID}.{branch}.{uuid.uuid4().int % 10**15}"


class DmpDui:
    def __init__(self, defect: str | None) -> None:
        self.flaws: DmpFlaws = dmp_flaws_for(defect)
        self.cfg: DmpConfig | None = None
        self.fed: list[dict[str, Any]] = []

    def configure(self, settings: dict[str, Any]) -> None:
        self.cfg = DmpConfig.from_settings(settings)

    def run(self, fn: Callable[[dict[str, Any]], Outcome], params: dict[str, Any], timeout: float) -> Outcome:
        """Run one DMP verb of the DUI: every failure becomes an answer, never an exception."""
        if self.cfg is None:
            return Outcome("error", detail="le DUI n'est pas configuré pour le DMP")
        self.cfg.timeout = max(1.0, min(10.0, timeout / 3))
        try:
            return fn(dict(params))
        except Refused as exc:
            return Outcome("refused", detail=str(exc))
        except DmpUnreachable as exc:
            return Outcome("error", {"registry_status": "", "errors": []}, detail=str(exc))
        except Exception as exc:  # a bug of the reference DUI is still an answer, never a traceback
            return Outcome("error", detail=f"erreur interne du DUI : {type(exc).__name__}: {exc}")

    def vihf(self, patient: dict[str, Any]) -> etree._Element:
        assert self.cfg is not None
        overrides = dict(self.flaws.vihf)
        oid = overrides.pop("resource_oid", patient["ins_oid"])
        inp = replace(VihfInput(structure_id=ORG.struct_id, resource_id=f"{patient['ins']}^^^&{oid}&ISO^NH"),
                      **overrides)
        cert, key = self.cfg.signing_cert.read_bytes(), self.cfg.signing_key.read_bytes()
        if not self.flaws.vihf_signed:
            from cryptography import x509

            token = unsigned_assertion(inp, x509.load_pem_x509_certificate(cert))
        else:
            token = signed_vihf(inp, key, cert)
        return token

    def feed(self, p: dict[str, Any]) -> Outcome:
        assert self.cfg is not None
        patient = dict(p["patient"])
        if not patient.get("qualified") and self.flaws.behaviour != "feed-unqualified":
            raise Refused("identité de l'usager non qualifiée : alimentation du DMP interdite (RNIV EXI SI 08)")
        doc = dict(p.get("document") or {})
        type_code = str(doc.get("type_code") or "11506-3")
        display = str(doc.get("type_display") or "CR ou fiche de suivi de soins par auxiliaire médical")
        title = str(doc.get("title") or display)
        now = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=1))).replace(microsecond=0)
        old_entry = None
        if p.get("replace_of"):
            old_entry = next((f["entry_uuid"] for f in self.fed if f["document_unique_id"] == p["replace_of"]), None)
            if old_entry is None:
                raise Refused(f"document à remplacer inconnu du DUI : {p['replace_of']}")
        spec = DocSpec(type_code, display, title, _oid("3"), now, dlu=type_code == DLU_CODE,
                       replaces=p.get("replace_of"), class_code=str(doc.get("class_code") or "11"),
                       class_display=str(doc.get("class_display") or "Synthèse"))
        if doc.get("pdf_base64"):  # a PDF the DUI already made (the printed ordonnance, for example)
            pdf = base64.b64decode(str(doc["pdf_base64"]), validate=True)
        else:
            pdf = build_pdf(title, [f"{patient['birth_name']} {patient['first_given']}", title],
                            author=ORG.name, created=now)
        cda = build_cda(patient, spec, ORG, pdf, self.flaws.cda)
        lot = LotBuilder(patient, ORG, self.flaws.xds, SOURCE_OID)
        entry_uuid = f"urn:uuid:{uuid.uuid4()}"
        body, parts = lot.request([FeedDoc(spec, cda, old_entry, entry_uuid)], _oid("4"), now)
        env = envelope(body, self.vihf(patient), self.cfg.url, self.flaws.xds.wsa_action)
        ctype, data = mtom_request(env, parts, start_info=self.flaws.mtom_start_info)
        answer = post(self.cfg, ctype, data, self.flaws.tls)
        result = {"registry_status": answer.registry_status, "errors": answer.errors,
                  "document_unique_id": spec.doc_id}
        if answer.ok or self.flaws.behaviour == "failure-as-success":
            self.fed.append({"patient": patient["ins"], "entry_uuid": entry_uuid, **result})
            return Outcome("ok", result, detail="document versé au DMP")
        shown = "; ".join(f"{e['errorCode']} ({e['codeContext']})" for e in answer.errors) or answer.registry_status
        return Outcome("error", result, detail=f"le DMP a refusé le versement : {shown}")


