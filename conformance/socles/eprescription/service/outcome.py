"""OperationOutcome and CapabilityStatement bodies of the stand-in service (FHIR R4 JSON)."""

from __future__ import annotations

from typing import Any

from conformance.model import Finding, Verdict

FHIR_JSON = "application/fhir+json; fhirVersion=4.0; charset=utf-8"


def operation_outcome(issues: list[dict[str, Any]]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": issues}


def issue(severity: str, code: str, text: str, expression: str = "", rule: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": text}
    if expression:
        out["expression"] = [expression]
    if rule:
        out["details"] = {
            "coding": [{"system": "https://dui-conformance.example/requirements", "code": rule}],
            "text": text,
        }
    return out


def one_issue(severity: str, code: str, text: str, expression: str = "", rule: str = "") -> dict[str, Any]:
    return operation_outcome([issue(severity, code, text, expression, rule)])


def findings_outcome(findings: list[Finding]) -> dict[str, Any]:
    """Failing and warning findings of the engine as OperationOutcome issues (rule id + FHIRPath)."""
    issues = []
    for f in findings:
        if f.verdict in (Verdict.FAIL, Verdict.WARN):
            sev = "error" if f.verdict is Verdict.FAIL else "warning"
            issues.append(
                issue(
                    sev,
                    "invalid" if sev == "error" else "business-rule",
                    f"{f.requirement}: {f.message_fr} / {f.message_en}",
                    f.location,
                    f.requirement,
                )
            )
    if not issues:
        issues.append(issue("information", "informational", "Bundle conforme aux règles vérifiées"))
    return operation_outcome(issues)


def capability_statement(base: str, date: str) -> dict[str, Any]:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date,
        "kind": "instance",
        "publisher": "dui-conformance (service de substitution, non officiel)",
        "description": (
            "Stand-in for the CNAM e-prescription téléservice, whose contract is not public. "
            "Service de substitution du téléservice ordonnance numérique de l'Assurance Maladie : "
            "ce n'est PAS l'API CNAM. See docs/eprescription-contract.md."
        ),
        "implementation": {"description": "dui-conformance e-prescription stand-in", "url": base},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json"],
        "rest": [
            {
                "mode": "server",
                "security": {"description": "Mutual TLS: test IGC-Santé server certificate, ORG client certificate"},
                "resource": [
                    {
                        "type": "Bundle",
                        "interaction": [{"code": "create"}, {"code": "read"}, {"code": "search-type"}],
                        "searchParam": [
                            {
                                "name": "patient",
                                "type": "token",
                                "documentation": "patient identifier (system|value or value)",
                            }
                        ],
                        "operation": [
                            {
                                "name": "cancel",
                                "definition": "https://dui-conformance.example/OperationDefinition/cancel",
                            }
                        ],
                    }
                ],
            }
        ],
    }
