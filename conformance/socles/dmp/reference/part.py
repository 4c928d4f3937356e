"""The DMP part of the reference DUI: verbs "dmp.feed", "dmp.find" and "dmp.retrieve".

It refuses to feed a resident whose identity is not qualified (RNIV EXI SI 08: nothing reaches the
DMP) and a DMP that TD0.2 does not show active, finds in the DMP (ITI-18) the document a replacement
targets, sends the ITI-41 request of `feed` over HTTPS with the ORG client certificate, and reports
the DMP's answer: ok only on a Success RegistryResponse, otherwise an error that carries each
errorCode and codeContext. With a seeded defect (a row of `defects.DEFECTS`) one of these goes wrong.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from conformance.demo import Refused, Verb, exchange_timeout, internal_error
from conformance.drivers.base import Outcome
from conformance.formats.ebrim import APPROVED, DEPRECATED
from conformance.socle import Defect
from conformance.socles.dmp.reference.client import DmpConfig, DmpUnreachable, post
from conformance.socles.dmp.reference.consult import as_json, dmp_status, find_documents, get_document, retrieve
from conformance.socles.dmp.reference.feed import feed_request, vihf
from conformance.socles.dmp.reference.switches import DmpFlaws, Lapse


def _shown(errors: list[dict[str, str]]) -> str:
    return "; ".join(f"{e['errorCode']} ({e['codeContext']})" for e in errors)


class DmpPart:
    def __init__(self, defect: Defect | None = None) -> None:
        self.flaws = DmpFlaws.of(defect)
        self.cfg: DmpConfig | None = None
        self.fed: list[dict[str, Any]] = []
        self.verbs: Mapping[str, Verb] = {
            "dmp.feed": self._verb(self.feed),
            "dmp.find": self._verb(self.find),
            "dmp.retrieve": self._verb(self.retrieve),
        }

    def configure(self, settings: dict[str, Any]) -> None:
        self.cfg = DmpConfig.from_settings(settings)

    def _verb(self, fn: Callable[[dict[str, Any]], Outcome]) -> Verb:
        return lambda params, timeout: self.run(fn, params, timeout)

    def run(self, fn: Callable[[dict[str, Any]], Outcome], params: dict[str, Any], timeout: float) -> Outcome:
        """Run one DMP verb of the DUI: every failure becomes an answer, never an exception."""
        if self.cfg is None:
            return Outcome("error", detail="le DUI n'est pas configuré pour le DMP")
        self.cfg.timeout = exchange_timeout(timeout)
        try:
            return fn(dict(params))
        except Refused as exc:
            return Outcome("refused", detail=str(exc))
        except DmpUnreachable as exc:
            return Outcome("error", {"registry_status": "", "errors": []}, detail=str(exc))
        except Exception as exc:
            return internal_error(exc)

    def config(self) -> DmpConfig:
        assert self.cfg is not None
        return self.cfg

    def replaced_entry(self, patient: dict[str, Any], unique_id: str) -> str:
        """The entryUUID an RPLC must target, as the DMP knows it (TD3.1 / ITI-18 GetDocuments)."""
        cfg = self.config()
        if self.flaws.lapse is Lapse.REPLACES_FROM_MEMORY:
            known = next((f["entry_uuid"] for f in self.fed if f["document_unique_id"] == unique_id), None)
            if known is None:
                raise Refused(f"document à remplacer inconnu du DUI : {unique_id}")
            return str(known)
        found = get_document(cfg, vihf(cfg, self.flaws, patient), unique_id, self.flaws.tls)
        current = [d for d in found.documents if d["unique_id"] == unique_id and d["status"] == "Approved"]
        if not found.ok or not current:
            why = _shown(found.errors) or "absent ou déjà remplacé"
            raise Refused(f"document à remplacer introuvable dans le DMP ({unique_id}) : {why}")
        return current[0]["entry_uuid"]

    # -- verbs -----------------------------------------------------------------------------------

    def feed(self, p: dict[str, Any]) -> Outcome:
        cfg = self.config()
        patient = dict(p["patient"])
        if not patient.get("qualified") and self.flaws.lapse is not Lapse.FEEDS_UNQUALIFIED:
            raise Refused("identité de l'usager non qualifiée : alimentation du DMP interdite (RNIV EXI SI 08)")
        if (
            self.flaws.lapse is not Lapse.SKIPS_TD02
            and dmp_status(cfg, patient["ins"], patient["ins_oid"], self.flaws.tls) != "active"
        ):
            raise Refused("le DMP de l'usager n'existe pas ou n'est pas actif (TD0.2) : aucun versement")
        old_entry = self.replaced_entry(patient, str(p["replace_of"])) if p.get("replace_of") else None
        request = feed_request(cfg, self.flaws, patient, dict(p.get("document") or {}), p.get("replace_of"), old_entry)
        answer = post(cfg, request.content_type, request.body, self.flaws.tls)
        result = {
            "registry_status": answer.registry_status,
            "errors": answer.errors,
            "document_unique_id": request.spec.doc_id,
        }
        if answer.ok or self.flaws.lapse is Lapse.REPORTS_FAILURE_AS_SUCCESS:
            self.fed.append({"patient": patient["ins"], "entry_uuid": request.entry_uuid, **result})
            return Outcome("ok", result, detail="document versé au DMP")
        shown = _shown(answer.errors) or answer.registry_status
        return Outcome("error", result, detail=f"le DMP a refusé le versement : {shown}")

    def find(self, p: dict[str, Any]) -> Outcome:
        """The patient's documents in the DMP (ITI-18 FindDocuments), current ones by default."""
        cfg = self.config()
        patient = dict(p["patient"])
        statuses: tuple[str, ...] = (APPROVED, DEPRECATED) if p.get("include_deprecated") else (APPROVED,)
        cx = f"{patient['ins']}^^^&{patient['ins_oid']}&ISO^NH"
        result = find_documents(cfg, vihf(cfg, self.flaws, patient), cx, self.flaws.tls, statuses)
        if not result.ok:
            return Outcome("error", as_json(result), detail=f"recherche refusée par le DMP : {_shown(result.errors)}")
        return Outcome("ok", as_json(result), detail=f"{len(result.documents)} document(s) dans le DMP")

    def retrieve(self, p: dict[str, Any]) -> Outcome:
        """One document's bytes (ITI-43), reported as size and SHA-1, not the body."""
        cfg = self.config()
        patient = dict(p["patient"])
        data, errors = retrieve(
            cfg,
            vihf(cfg, self.flaws, patient),
            str(p.get("repository_id") or ""),
            str(p.get("unique_id") or ""),
            self.flaws.tls,
        )
        if data is None:
            return Outcome("error", {"errors": errors}, detail=f"document non restitué par le DMP : {_shown(errors)}")
        return Outcome(
            "ok",
            {"size": len(data), "sha1": hashlib.sha1(data).hexdigest(), "errors": errors},
            detail="document restitué par le DMP",
        )
