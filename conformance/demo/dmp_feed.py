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
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from lxml import etree

from conformance.drivers.base import Outcome
from conformance.formats.pki import STRUCTURE_ID
from conformance.socles.dmp.build.cda import DocSpec, Org, build_cda
from conformance.socles.dmp.build.mtom import mtom_request
from conformance.socles.dmp.build.vihf import VihfInput, signed_vihf, unsigned_assertion
from conformance.socles.dmp.build.xds import FeedDoc, LotBuilder, envelope
from conformance.socles.mssante.build.pdf import build_pdf

from .dmp_client import DmpConfig, DmpUnreachable, post
from .dmp_consult import as_json, dmp_status, find_documents, get_document, retrieve
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
        inp = replace(
            VihfInput(structure_id=ORG.struct_id, resource_id=f"{patient['ins']}^^^&{oid}&ISO^NH"), **overrides
        )
        cert, key = self.cfg.signing_cert.read_bytes(), self.cfg.signing_key.read_bytes()
        if not self.flaws.vihf_signed:
            from cryptography import x509

            token = unsigned_assertion(inp, x509.load_pem_x509_certificate(cert))
        else:
            token = signed_vihf(inp, key, cert)
        return token

    def replaced_entry(self, patient: dict[str, Any], unique_id: str) -> str:
        """The entryUUID an RPLC must target, as the DMP knows it (TD3.1 / ITI-18 GetDocuments)."""
        assert self.cfg is not None
        if self.flaws.behaviour == "rplc-from-memory":
            known = next((f["entry_uuid"] for f in self.fed if f["document_unique_id"] == unique_id), None)
            if known is None:
                raise Refused(f"document à remplacer inconnu du DUI : {unique_id}")
            return str(known)
        found = get_document(self.cfg, self.vihf(patient), unique_id, self.flaws.tls)
        current = [d for d in found.documents if d["unique_id"] == unique_id and d["status"] == "Approved"]
        if not found.ok or not current:
            why = "; ".join(f"{e['errorCode']} ({e['codeContext']})" for e in found.errors) or "absent ou déjà remplacé"
            raise Refused(f"document à remplacer introuvable dans le DMP ({unique_id}) : {why}")
        return current[0]["entry_uuid"]

    def find(self, p: dict[str, Any]) -> Outcome:
        """Verb "dmp.find": the patient's documents in the DMP (ITI-18 FindDocuments), current ones by default."""
        assert self.cfg is not None
        patient = dict(p["patient"])
        statuses: tuple[str, ...] = ("urn:oasis:names:tc:ebxml-regrep:StatusType:Approved",)
        if p.get("include_deprecated"):
            statuses += ("urn:oasis:names:tc:ebxml-regrep:StatusType:Deprecated",)
        cx = f"{patient['ins']}^^^&{patient['ins_oid']}&ISO^NH"
        result = find_documents(self.cfg, self.vihf(patient), cx, self.flaws.tls, statuses)
        if not result.ok:
            shown = "; ".join(f"{e['errorCode']} ({e['codeContext']})" for e in result.errors)
            return Outcome("error", as_json(result), detail=f"recherche refusée par le DMP : {shown}")
        return Outcome("ok", as_json(result), detail=f"{len(result.documents)} document(s) dans le DMP")

    def retrieve(self, p: dict[str, Any]) -> Outcome:
        """Verb "dmp.retrieve": one document's bytes (ITI-43), reported as size and SHA-1, not the body."""
        assert self.cfg is not None
        patient = dict(p["patient"])
        data, errors = retrieve(
            self.cfg,
            self.vihf(patient),
            str(p.get("repository_id") or ""),
            str(p.get("unique_id") or ""),
            self.flaws.tls,
        )
        if data is None:
            shown = "; ".join(f"{e['errorCode']} ({e['codeContext']})" for e in errors)
            return Outcome("error", {"errors": errors}, detail=f"document non restitué par le DMP : {shown}")
        return Outcome(
            "ok",
            {"size": len(data), "sha1": hashlib.sha1(data).hexdigest(), "errors": errors},
            detail="document restitué par le DMP",
        )

    def build_request(
        self, patient: dict[str, Any], doc: dict[str, Any], replace_of: str | None = None, old_entry: str | None = None
    ) -> tuple[str, bytes, DocSpec, str]:
        """The ITI-41 request of one document: (Content-Type, MTOM body, its DocSpec, its entryUUID)."""
        assert self.cfg is not None
        type_code = str(doc.get("type_code") or "11506-3")
        display = str(doc.get("type_display") or "CR ou fiche de suivi de soins par auxiliaire médical")
        title = str(doc.get("title") or display)
        now = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=1))).replace(microsecond=0)
        spec = DocSpec(
            type_code,
            display,
            title,
            _oid("3"),
            now,
            dlu=type_code == DLU_CODE,
            replaces=replace_of,
            class_code=str(doc.get("class_code") or "11"),
            class_display=str(doc.get("class_display") or "Synthèse"),
        )
        if doc.get("pdf_base64"):  # a PDF the DUI already made (the printed ordonnance, for example)
            pdf = base64.b64decode(str(doc["pdf_base64"]), validate=True)
        else:
            pdf = build_pdf(
                title, [f"{patient['birth_name']} {patient['first_given']}", title], author=ORG.name, created=now
            )
        cda = build_cda(patient, spec, ORG, pdf, self.flaws.cda)
        lot = LotBuilder(
            patient,
            ORG,
            self.flaws.xds,
            SOURCE_OID,  # the lot is signed (XAdES) with the cachet
            signing=(self.cfg.signing_key.read_bytes(), self.cfg.signing_cert.read_bytes()),
        )
        entry_uuid = f"urn:uuid:{uuid.uuid4()}"
        body, parts = lot.request([FeedDoc(spec, cda, old_entry, entry_uuid)], _oid("4"), now)
        env = envelope(body, self.vihf(patient), self.cfg.url, self.flaws.xds.wsa_action)
        ctype, data = mtom_request(env, parts, start_info=self.flaws.mtom_start_info)
        return ctype, data, spec, entry_uuid

    def feed(self, p: dict[str, Any]) -> Outcome:
        assert self.cfg is not None
        patient = dict(p["patient"])
        if not patient.get("qualified") and self.flaws.behaviour != "feed-unqualified":
            raise Refused("identité de l'usager non qualifiée : alimentation du DMP interdite (RNIV EXI SI 08)")
        if (
            self.flaws.behaviour != "no-td02"
            and dmp_status(self.cfg, patient["ins"], patient["ins_oid"], self.flaws.tls) != "active"
        ):
            raise Refused("le DMP de l'usager n'existe pas ou n'est pas actif (TD0.2) : aucun versement")
        old_entry = self.replaced_entry(patient, str(p["replace_of"])) if p.get("replace_of") else None
        ctype, data, spec, entry_uuid = self.build_request(
            patient, dict(p.get("document") or {}), p.get("replace_of"), old_entry
        )
        answer = post(self.cfg, ctype, data, self.flaws.tls)
        result = {"registry_status": answer.registry_status, "errors": answer.errors, "document_unique_id": spec.doc_id}
        if answer.ok or self.flaws.behaviour == "failure-as-success":
            self.fed.append({"patient": patient["ins"], "entry_uuid": entry_uuid, **result})
            return Outcome("ok", result, detail="document versé au DMP")
        shown = "; ".join(f"{e['errorCode']} ({e['codeContext']})" for e in answer.errors) or answer.registry_status
        return Outcome("error", result, detail=f"le DMP a refusé le versement : {shown}")
