"""The HTTP side of the stand-in service: FHIR R4 REST routes on Starlette.

Every request ends as a FHIR answer: the created or read resource, or an OperationOutcome with the
status that fits (400 unreadable, 404 unknown, 409 already cancelled, 413 too large, 415 wrong
media type or FHIR version, 422 rule violations, 500 our own bug, 403 a prescribing structure other than
the one the client certificate authenticates). Every exchange goes to the
`record` callback (the evidence journal) before the answer leaves.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from conformance.formats.fhir.jsonload import JsonLimits, load_json
from conformance.model import CheckContext, Finding, Level, Verdict
from conformance.paths import profiles_dir
from conformance.requirements import load_catalog

from .outcome import FHIR_JSON, capability_statement, findings_outcome, one_issue
from .store import NUMBER_SYSTEM, PrescriptionStore

MAX_BODY = 10 * 1024 * 1024  # 10 MiB; an ordonnance Bundle is a few kB
ACCEPTED_TYPES = ("application/fhir+json", "application/json")
JSON_LIMITS = JsonLimits(max_bytes=MAX_BODY, max_depth=64, max_array=1000)  # an ordonnance: a few dozen entries


@dataclass
class Exchange:
    """One request and its answer, as the journal keeps it."""

    method: str
    path: str
    query: str
    status: int
    request_headers: dict[str, str]
    request_body: bytes
    response_body: bytes
    number: str = ""
    started: float = field(default_factory=time.time)

    def summary(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "request_headers": self.request_headers,
            "request_size": len(self.request_body),
            "response_size": len(self.response_body),
            "number": self.number,
        }


Recorder = Callable[[Exchange], None]
Validator = Callable[[bytes], list[Finding]]


def _exigences() -> frozenset[str]:
    cat = load_catalog(profiles_dir() / "eprescription" / "requirements.toml")
    return frozenset(r.id for r in cat.requirements.values() if r.level is Level.EXIGENCE)


def engine_validator(data: bytes) -> list[Finding]:
    from conformance.socles.eprescription.checks import prescription_findings

    return prescription_findings(data, CheckContext())


class FhirError(Exception):
    def __init__(self, status: int, code: str, text: str, expression: str = "") -> None:
        super().__init__(text)
        self.status, self.code, self.text, self.expression = status, code, text, expression


def fhir_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return Response(data, status_code=status, media_type=FHIR_JSON, headers=headers)


async def read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY:
        raise FhirError(413, "too-long", f"corps de {declared} octets, au-delà de {MAX_BODY} octets")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise FhirError(413, "too-long", f"corps au-delà de {MAX_BODY} octets")
        chunks.append(chunk)
    return b"".join(chunks)


def check_media_type(request: Request) -> None:
    ctype = request.headers.get("content-type", "")
    main, _, params = ctype.partition(";")
    if main.strip().lower() not in ACCEPTED_TYPES:
        got = main.strip() or "(absent)"
        raise FhirError(415, "not-supported", f"type de contenu {got} : application/fhir+json attendu")
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "fhirversion" and value.strip().strip('"') not in ("4.0", "4.0.1"):
            raise FhirError(415, "not-supported", f"fhirVersion={value.strip()} : seule FHIR 4.0 (R4) est servie")


def parse_bundle(body: bytes) -> dict[str, Any]:
    """The posted Bundle, read within the FHIR JSON limits (formats/fhir/jsonload.py): size, depth, array
    length, number length; a breach is a 400 (413 for the size) with the limit's own message."""
    doc, issues = load_json(body, JSON_LIMITS)
    if issues:
        issue = issues[0]
        status, code = (413, "too-long") if issue.code == "too-large" and issue.path == "Bundle" else (400, "structure")
        if issue.code in ("too-deep", "too-large") and status == 400:
            code = "too-costly"
        raise FhirError(status, code, f"JSON refusé : {issue.message_fr[:300]}", issue.path)
    if not isinstance(doc, dict) or doc.get("resourceType") != "Bundle":
        kind = doc.get("resourceType") if isinstance(doc, dict) else type(doc).__name__
        raise FhirError(400, "structure", f"une ressource Bundle est attendue, reçu {kind!r}", "Bundle")
    entries = doc.get("entry")
    if not isinstance(entries, list) or not any(
        isinstance(e, dict)
        and isinstance(e.get("resource"), dict)
        and e["resource"].get("resourceType") == "MedicationRequest"
        for e in entries
    ):
        raise FhirError(422, "required", "le Bundle ne contient aucune MedicationRequest", "Bundle.entry")
    return doc


def certificate_structure(der: bytes | None) -> str:
    """The structure (FINESS) a client certificate authenticates: its subject OU, as the test IGC-Santé ORG
    certificates carry it (stand-in convention: the CNAM téléservice's certificate profile is not public)."""
    if not der:
        return ""
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return ""
    ous = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
    return str(ous[0].value).strip() if ous else ""


def organization_finess(bundle: dict[str, Any]) -> set[str]:
    """The FINESS numbers the Bundle's Organizations declare (raw FINESS, or '1' + FINESS under the
    structure-identifier OID 1.2.250.1.71.4.2.2, ID-03)."""
    out: set[str] = set()
    for entry in bundle.get("entry", []) or []:
        res = entry.get("resource") if isinstance(entry, dict) else None
        if not (isinstance(res, dict) and res.get("resourceType") == "Organization"):
            continue
        for ident in res.get("identifier", []) or []:
            value = ident.get("value") if isinstance(ident, dict) else None
            if not isinstance(value, str):
                continue
            if ident.get("system") == "urn:oid:1.2.250.1.71.4.2.2" and len(value) == 10 and value[0] == "1":
                value = value[1:]
            out.add(value)
    return out


def patient_ids(bundle: dict[str, Any]) -> tuple[str, ...]:
    out: list[str] = []
    for entry in bundle.get("entry", []):
        res = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(res, dict) and res.get("resourceType") == "Patient":
            for ident in res.get("identifier", []) or []:
                if isinstance(ident, dict) and isinstance(ident.get("value"), str):
                    out.append(f"{ident.get('system', '')}|{ident['value']}")
                    out.append(ident["value"])
    return tuple(dict.fromkeys(out))


class ServiceApp:
    """Routes bound to one store; `policy` says whether rule violations are refused."""

    def __init__(
        self,
        store: PrescriptionStore,
        record: Recorder,
        base: Callable[[], str],
        validator: Validator = engine_validator,
        peer_certificate: Callable[[Any], bytes | None] = lambda _client: None,
    ) -> None:
        self.store = store
        self.record = record
        self.base = base
        self.validator = validator
        self.peer_certificate = peer_certificate  # DER of the client's TLS certificate, by its address
        self.policy = "strict"  # strict: refuse EXIGENCE failures (422) | record: register and report them
        self.exigences = _exigences()
        routes = [
            Route("/fhir/metadata", self._wrap(self.metadata), methods=["GET"]),
            Route("/fhir/Bundle", self._wrap(self.create), methods=["POST"]),
            Route("/fhir/Bundle", self._wrap(self.search), methods=["GET"]),
            Route("/fhir/Bundle/{number}", self._wrap(self.read), methods=["GET"]),
            Route("/fhir/Bundle/{number}/$cancel", self._wrap(self.cancel), methods=["POST"]),
        ]
        self.app = Starlette(routes=routes)
        self.app.add_exception_handler(404, self._not_found)
        self.app.add_exception_handler(405, self._not_allowed)

    async def _not_found(self, request: Request, exc: Exception) -> Response:
        return await self._wrap(self._unknown(404, "not-found", "ressource inconnue"))(request)

    async def _not_allowed(self, request: Request, exc: Exception) -> Response:
        return await self._wrap(self._unknown(405, "not-supported", "méthode non permise"))(request)

    @staticmethod
    def _unknown(status: int, code: str, text: str) -> Callable[[Request, bytes], Awaitable[tuple[Response, str]]]:
        async def handler(request: Request, body: bytes) -> tuple[Response, str]:
            return fhir_response(status, one_issue("error", code, f"{text} : {request.url.path}")), ""

        return handler

    def _wrap(
        self, handler: Callable[[Request, bytes], Awaitable[tuple[Response, str]]]
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            body = b""
            number = ""
            try:
                if request.method == "POST":
                    body = await read_body(request)
                response, number = await handler(request, body)
            except FhirError as exc:
                response = fhir_response(exc.status, one_issue("error", exc.code, exc.text, exc.expression))
            except Exception as exc:  # our own bug still answers in FHIR, never a traceback
                response = fhir_response(500, one_issue("fatal", "exception", f"erreur interne : {type(exc).__name__}"))
            headers = {
                k: v
                for k, v in request.headers.items()
                if k in ("content-type", "accept", "user-agent", "content-length", "prefer")
            }
            self.record(
                Exchange(
                    request.method,
                    request.url.path,
                    request.url.query,
                    response.status_code,
                    headers,
                    body,
                    bytes(response.body),
                    number,
                )
            )
            return response

        return endpoint

    async def metadata(self, request: Request, body: bytes) -> tuple[Response, str]:
        return fhir_response(200, capability_statement(self.base(), time.strftime("%Y-%m-%d"))), ""

    async def create(self, request: Request, body: bytes) -> tuple[Response, str]:
        check_media_type(request)
        bundle = parse_bundle(body)
        self.check_structure(request, bundle)
        findings = self.validator(body)
        blocking = [f for f in findings if f.verdict is Verdict.FAIL and f.requirement in self.exigences]
        if blocking and self.policy == "strict":
            return fhir_response(422, findings_outcome(blocking)), ""
        rec = self.store.register(bundle, patient_ids(bundle))
        stored = rec.bundle
        stored["id"] = rec.number
        stored["identifier"] = {"system": NUMBER_SYSTEM, "value": rec.number}
        stored.setdefault("meta", {})["lastUpdated"] = rec.registered
        headers = {"Location": f"{self.base()}/Bundle/{rec.number}", "ETag": 'W/"1"'}
        return fhir_response(201, stored, headers), rec.number

    def check_structure(self, request: Request, bundle: dict[str, Any]) -> None:
        """A structure prescribes under its own certificate: the prescribing Organization must be the one the
        TLS client certificate authenticates (403 otherwise), as a téléservice binds a call to its caller."""
        structure = certificate_structure(self.peer_certificate(request.client))
        declared = organization_finess(bundle)
        if structure and declared and structure not in declared:
            raise FhirError(
                403,
                "forbidden",
                f"la structure prescriptrice ({', '.join(sorted(declared))}) n'est pas celle du certificat "
                f"client (FINESS {structure})",
                "Bundle.entry.resource.ofType(Organization).identifier",
            )

    async def read(self, request: Request, body: bytes) -> tuple[Response, str]:
        number = request.path_params["number"]
        rec = self.store.get(number)
        if rec is None:
            raise FhirError(404, "not-found", f"prescription {number} inconnue")
        return fhir_response(200, rec.bundle), number

    async def search(self, request: Request, body: bytes) -> tuple[Response, str]:
        patient = request.query_params.get("patient", "")
        if not patient:
            raise FhirError(400, "required", "paramètre de recherche « patient » requis")
        found = self.store.by_patient(patient)
        result = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(found),
            "entry": [
                {"fullUrl": f"{self.base()}/Bundle/{p.number}", "resource": p.bundle, "search": {"mode": "match"}}
                for p in found
            ],
        }
        return fhir_response(200, result), ""

    async def cancel(self, request: Request, body: bytes) -> tuple[Response, str]:
        number = request.path_params["number"]
        rec, done = self.store.cancel(number)
        if rec is None:
            raise FhirError(404, "not-found", f"prescription {number} inconnue")
        if not done:
            raise FhirError(409, "conflict", f"prescription {number} déjà annulée")
        return fhir_response(200, rec.bundle), number
