"""What the reference DUI sends the DMP: the VIHF of each call and the ITI-41 request of a feed.

The CDA (N1 wrapping a PDF, or a DLU), the XDS lot with its signature entry (XAdES with the structure's
cachet), the VIHF signed with that cachet certificate, all in one SOAP 1.2 MTOM package. Each departure
a seeded defect asks for (`DmpFlaws`) is applied here, where the artifact is built.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from dataclasses import dataclass, replace
from typing import Any

from cryptography import x509
from lxml import etree

from conformance.formats.pdf import build_pdf
from conformance.formats.pki import FILES, STRUCTURE_ID
from conformance.socles.dmp.build.cda import DocSpec, Org, build_cda
from conformance.socles.dmp.build.mtom import mtom_request
from conformance.socles.dmp.build.vihf import VihfInput, signed_vihf, unsigned_assertion
from conformance.socles.dmp.build.xds import FeedDoc, LotBuilder, envelope
from conformance.socles.dmp.reference.client import DmpConfig
from conformance.socles.dmp.reference.switches import DmpFlaws

ORG = Org(struct_id="1" + STRUCTURE_ID, name="TEST EHPAD ESSAI")
SOURCE_OID = "1.2.250.1.999.1.1.7898"  # the demo DUI's (made-up) OID root
DLU_CODE = "74207-2"


def _oid(branch: str) -> str:
    return f"{SOURCE_OID}.{branch}.{uuid.uuid4().int % 10**15}"


@dataclass
class FeedRequest:
    """One ITI-41 request, ready to post."""

    content_type: str
    body: bytes
    spec: DocSpec
    entry_uuid: str


def vihf(cfg: DmpConfig, flaws: DmpFlaws, patient: dict[str, Any]) -> etree._Element:
    """The VIHF assertion of a call about `patient`, signed with the structure's cachet."""
    overrides = dict(flaws.vihf)
    oid = overrides.pop("resource_oid", patient["ins_oid"])
    named = cfg.software  # the DUI names itself in LPS_Nom, LPS_Version, LPS_ID_HOMOLOGATION_DMP
    base = VihfInput(
        structure_id=ORG.struct_id,
        resource_id=f"{patient['ins']}^^^&{oid}&ISO^NH",
        lps_name=named.name,
        lps_version=named.version,
        lps_homologation=named.homologation,
    )
    inp = replace(base, **overrides)
    cert, key = cfg.signing_cert.read_bytes(), cfg.signing_key.read_bytes()
    if inp.signer in ("revoked", "expired"):  # the test PKI's revoked and expired certificates sit beside the cachet
        folder = cfg.signing_cert.parent
        cert = (folder / FILES[f"{inp.signer}_cert"]).read_bytes()
        key = (folder / FILES[f"{inp.signer}_key"]).read_bytes()
    if not flaws.vihf_signed:
        return unsigned_assertion(inp, x509.load_pem_x509_certificate(cert))
    return signed_vihf(inp, key, cert)


def feed_request(
    cfg: DmpConfig,
    flaws: DmpFlaws,
    patient: dict[str, Any],
    doc: dict[str, Any],
    replace_of: str | None = None,
    old_entry: str | None = None,
) -> FeedRequest:
    """The ITI-41 request feeding one document (`doc` as in the verb dmp.feed), replacing `old_entry` if given."""
    patient = {**patient, **flaws.record}  # the traits the DUI's record holds (the INS stays INSi's)
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
    cda = build_cda(patient, spec, ORG, pdf, flaws.cda)
    lot = LotBuilder(
        patient,
        ORG,
        flaws.xds,
        SOURCE_OID,  # the lot is signed (XAdES) with the cachet
        signing=(cfg.signing_key.read_bytes(), cfg.signing_cert.read_bytes()),
    )
    entry_uuid = f"urn:uuid:{uuid.uuid4()}"
    body, parts = lot.request([FeedDoc(spec, cda, old_entry, entry_uuid)], _oid("4"), now)
    env = envelope(body, vihf(cfg, flaws, patient), cfg.url, flaws.xds.wsa_action)
    ctype, data = mtom_request(env, parts, start_info=flaws.mtom_start_info)
    return FeedRequest(ctype, data, spec, entry_uuid)
