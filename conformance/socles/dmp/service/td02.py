"""TD0.2 on the mock DMP: "does this patient have an active DMP?", asked before feeding (EF_DMP12_01).

The production TD0.2 is a SOAP transaction of SEL-MP-037, which is not public. The mock answers the
FHIR form the ANS PDSM4DMP IG gives for it (transaction_td02.md: `GET [base]/Patient?identifier=
<INS system>|<INS>`, a searchset Bundle with 0 entries when no active DMP exists, 1 entry otherwise).
The IG leaves the DMP-status extension "to be defined": the mock's is a harness URL and says so.
The stand-in is documented in docs/dmp-contract.md; DMP-R02 is a PRECONISATION judged on it.
"""

from __future__ import annotations

import json
from typing import Any

from conformance import identities

from .records import PatientDmp

PATH = "/dmp/fhir/Patient"
STATUS_EXTENSION = "https://dui-conformance.invalid/fhir/StructureDefinition/dmp-status"  # harness-own
INS_SYSTEMS = {f"urn:oid:1.2.250.1.213.1.4.{n}" for n in (8, 9, 10, 11)}
GENDER = {"F": "female", "M": "male"}


def outcome(code: str, text: str) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": code, "diagnostics": text}]}


def _patient(record: PatientDmp) -> dict[str, Any]:
    p = identities.patient(record.key)
    return {
        "resourceType": "Patient",
        "identifier": [{"use": "official", "system": f"urn:oid:{p['ins_oid']}", "value": p["ins"]}],
        "active": True,
        "name": [{"use": "official", "family": p["birth_name"], "given": list(p.get("given_names") or [])}],
        "gender": GENDER.get(str(p.get("sex")), "unknown"),
        "birthDate": p["birth_date"],
        "extension": [{"url": STATUS_EXTENSION, "valueCode": record.status}],
    }


def answer(records: dict[str, PatientDmp], identifier: list[str], *, stale: bool = False) -> tuple[int, bytes]:
    """(HTTP status, FHIR JSON). `stale`: report a closed DMP as active (it closed after the check)."""
    if len(identifier) != 1 or "|" not in identifier[0]:
        return 400, _json(outcome("required", "exactly one identifier=<INS system>|<INS> is required"))
    system, _, value = identifier[0].partition("|")
    if system not in INS_SYSTEMS or not value:
        return 400, _json(outcome("value", f"identifier system {system!r} is not an INS system"))
    record = records.get(f"{value}^^^&{system.removeprefix('urn:oid:')}&ISO^NH")
    found = record is not None and (record.status == "active" or stale)
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "total": 1 if found else 0}
    if found and record is not None:
        entry = _patient(record)
        if stale:
            entry["extension"][0]["valueCode"] = "active"
        bundle["entry"] = [{"resource": entry, "search": {"mode": "match"}}]
    return 200, _json(bundle)


def _json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")
