"""The profile validator on a small synthetic package: every constraint kind passes and fails."""

from __future__ import annotations

import copy
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

from conformance.formats.fhir import FhirPackage, PackageError, Severity, load_package, validate_bundle

BASE = "http://example.org/fhir/StructureDefinition/"


def el(eid: str, mn: int = 0, mx: str = "*", types: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": eid,
        "path": eid.split(":")[0] if ":" not in eid else ".".join(s.split(":")[0] for s in eid.split(".")),
        "min": mn,
        "max": mx,
        "type": types or [],
        **extra,
    }


def sd(url: str, rtype: str, kind: str, elements: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "StructureDefinition",
        "url": url,
        "version": "0.1.0",
        "name": url.rsplit("/", 1)[-1],
        "type": rtype,
        "kind": kind,
        "snapshot": {"element": elements},
    }


QTY = sd(
    BASE + "qty",
    "Quantity",
    "complex-type",
    [
        el(
            "Quantity",
            constraint=[
                {
                    "key": "q-1",
                    "severity": "error",
                    "human": "code needs UCUM",
                    "expression": "code.exists() implies system = 'http://unitsofmeasure.org'",
                }
            ],
        ),
        el("Quantity.value", 0, "1", [{"code": "decimal"}]),
        el("Quantity.comparator", 0, "0", [{"code": "code"}]),
        el("Quantity.system", 0, "1", [{"code": "uri"}]),
        el("Quantity.code", 0, "1", [{"code": "code"}]),
    ],
)
MR = sd(
    BASE + "mr",
    "MedicationRequest",
    "resource",
    [
        el(
            "MedicationRequest",
            constraint=[
                {"key": "x-1", "severity": "warning", "human": "unevaluable on purpose", "expression": "htmlChecks()"}
            ],
        ),
        el(
            "MedicationRequest.identifier",
            0,
            "*",
            [{"code": "Identifier"}],
            slicing={"discriminator": [{"type": "pattern", "path": "system"}], "rules": "open"},
        ),
        el("MedicationRequest.identifier:local", 1, "1", [{"code": "Identifier"}]),
        el("MedicationRequest.identifier:local.system", 1, "1", [{"code": "uri"}], patternUri="urn:example:local"),
        el("MedicationRequest.status", 1, "1", [{"code": "code"}], fixedCode="active"),
        el("MedicationRequest.intent", 1, "1", [{"code": "code"}]),
        el(
            "MedicationRequest.category",
            0,
            "*",
            [{"code": "CodeableConcept"}],
            binding={"strength": "extensible", "valueSet": "http://example.org/fhir/ValueSet/cat"},
        ),
        el(
            "MedicationRequest.medication[x]",
            1,
            "1",
            [{"code": "CodeableConcept"}],
            binding={"strength": "required", "valueSet": "http://example.org/fhir/ValueSet/meds|0.1.0"},
        ),
        el("MedicationRequest.subject", 1, "1", [{"code": "Reference", "targetProfile": [BASE + "pat"]}]),
        el("MedicationRequest.authoredOn", 1, "1", [{"code": "dateTime"}]),
        el("MedicationRequest.dosageInstruction", 1, "*", [{"code": "Dosage"}]),
        el("MedicationRequest.dosageInstruction.patientInstruction", 0, "0", [{"code": "string"}]),
        el("MedicationRequest.dosageInstruction.doseAndRate", 0, "*", [{"code": "Element"}]),
        el(
            "MedicationRequest.dosageInstruction.doseAndRate.dose[x]",
            0,
            "1",
            [{"code": "Quantity", "profile": [BASE + "qty"]}],
        ),
    ],
)
PAT = sd(BASE + "pat", "Patient", "resource", [el("Patient"), el("Patient.birthDate", 1, "1", [{"code": "date"}])])
CS = {
    "resourceType": "CodeSystem",
    "url": "http://example.org/cs/meds",
    "content": "complete",
    "concept": [{"code": "A", "concept": [{"code": "A1"}]}, {"code": "B"}],
}
VS = {
    "resourceType": "ValueSet",
    "url": "http://example.org/fhir/ValueSet/meds",
    "compose": {
        "include": [{"system": "http://example.org/cs/meds"}, {"system": "http://example.org/external"}],
        "exclude": [{"system": "http://example.org/cs/meds", "concept": [{"code": "B"}]}],
    },
}
VS2 = {
    "resourceType": "ValueSet",
    "url": "http://example.org/fhir/ValueSet/cat",
    "compose": {"include": [{"system": "http://example.org/cat", "concept": [{"code": "c1"}]}]},
}


def write_package(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "package.json").write_text(
        json.dumps({"name": "example.test", "version": "0.1.0", "fhirVersions": ["4.0.1"]})
    )
    for name, res in (
        ("StructureDefinition-qty", QTY),
        ("StructureDefinition-mr", MR),
        ("StructureDefinition-pat", PAT),
        ("CodeSystem-meds", CS),
        ("ValueSet-meds", VS),
        ("ValueSet-cat", VS2),
        ("ConceptMap-skipped", {"resourceType": "ConceptMap", "url": "x"}),
    ):
        (root / f"{name}.json").write_text(json.dumps(res))
    return root


@pytest.fixture(scope="module")
def pkg(tmp_path_factory: pytest.TempPathFactory) -> FhirPackage:
    return load_package(write_package(tmp_path_factory.mktemp("pkg")))


def bundle(**changes: Any) -> dict[str, Any]:
    line = {
        "resourceType": "MedicationRequest",
        "meta": {"profile": [BASE + "mr"]},
        "identifier": [{"system": "urn:example:local", "value": "1"}],
        "status": "active",
        "intent": "order",
        "category": [{"coding": [{"system": "http://example.org/cat", "code": "c1"}]}],
        "medicationCodeableConcept": {"coding": [{"system": "http://example.org/cs/meds", "code": "A1"}]},
        "subject": {"reference": "urn:uuid:11111111-1111-1111-1111-111111111111"},
        "authoredOn": "2026-01-05T07:30:00+01:00",
        "dosageInstruction": [
            {"doseAndRate": [{"doseQuantity": {"value": 1, "system": "http://unitsofmeasure.org", "code": "mg"}}]}
        ],
    }
    patient = {"resourceType": "Patient", "birthDate": "1938-04-12"}
    b = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "urn:uuid:11111111-1111-1111-1111-111111111111", "resource": patient},
            {"resource": line},
        ],
    }
    for key, change in changes.items():
        change(b["entry"][1]["resource"] if key != "patient" else patient)
    return b


def errors(pkg: FhirPackage, b: dict[str, Any]) -> list[Any]:
    return [i for i in validate_bundle(copy.deepcopy(b), [pkg]).issues if i.severity is Severity.ERROR]


def test_valid_line_has_no_error_and_unevaluable_invariant_warns(pkg: FhirPackage) -> None:
    report = validate_bundle(bundle(), [pkg])
    assert [i for i in report.issues if i.is_error] == []
    warns = [i for i in report.issues if i.code == "invariant-unevaluable"]
    assert len(warns) == 1 and warns[0].key == "x-1" and "htmlChecks" in warns[0].message_en


LINE = "Bundle.entry[1].resource.ofType(MedicationRequest)"
CASES = {
    "cardinality": (dict(line=lambda r: r.pop("authoredOn")), f"{LINE}.authoredOn"),
    "max0": (
        dict(line=lambda r: r["dosageInstruction"][0].update(patientInstruction="x")),
        f"{LINE}.dosageInstruction[0].patientInstruction",
    ),
    "fixed": (dict(line=lambda r: r.update(status="on-hold")), f"{LINE}.status"),
    "slice": (dict(line=lambda r: r["identifier"][0].update(system="urn:example:other")), f"{LINE}.identifier"),
    "binding-required": (
        dict(line=lambda r: r["medicationCodeableConcept"]["coding"][0].update(code="B")),
        f"{LINE}.medicationCodeableConcept",
    ),
    "type-profile-invariant": (
        dict(
            line=lambda r: r["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"].update(
                system="http://example.org/u"
            )
        ),
        f"{LINE}.dosageInstruction[0].doseAndRate[0].doseQuantity",
    ),
    "type-profile-cardinality": (
        dict(line=lambda r: r["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"].update(comparator="<")),
        f"{LINE}.dosageInstruction[0].doseAndRate[0].doseQuantity.comparator",
    ),
    "target-profile": (dict(patient=lambda p: p.pop("birthDate")), f"{LINE}.subject"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_constraint_kind_fails(pkg: FhirPackage, case: str) -> None:
    changes, path = CASES[case]
    found = errors(pkg, bundle(**changes))
    assert any(i.path == path and "example.org" in i.message_en + i.profile for i in found), [
        (i.path, i.message_en) for i in found
    ]


def test_external_code_system_checked_at_system_level(pkg: FhirPackage) -> None:
    ok = bundle(
        line=lambda r: r["medicationCodeableConcept"]["coding"][0].update(
            system="http://example.org/external", code="anything"
        )
    )
    assert errors(pkg, ok) == []


def test_extensible_binding_warns(pkg: FhirPackage) -> None:
    b = bundle(line=lambda r: r["category"][0]["coding"][0].update(code="zz"))
    report = validate_bundle(b, [pkg])
    assert any(i.code == "binding" and i.severity is Severity.WARNING for i in report.issues)
    assert not [i for i in report.issues if i.is_error]


def test_tgz_package_and_hostile_members(tmp_path: Path) -> None:
    folder = write_package(tmp_path / "src")
    tgz = tmp_path / "p.tgz"
    with tarfile.open(tgz, "w:gz") as tar:
        for f in folder.iterdir():
            tar.add(f, arcname=f"package/{f.name}")
        evil = json.dumps(PAT).encode()
        info = tarfile.TarInfo("../../evil.json")
        info.size = len(evil)
        tar.addfile(info, io.BytesIO(evil))
        link = tarfile.TarInfo("package/link.json")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tar.addfile(link)
    pkg = load_package(tgz)
    assert pkg.label == "example.test#0.1.0" and len(pkg.structure_definitions) == 3
    assert "x" not in pkg.structure_definitions  # ConceptMap skipped
    assert not (tmp_path.parent / "evil.json").exists()
    with pytest.raises(PackageError):
        load_package(tmp_path / "missing.tgz")
    (tmp_path / "bad.tgz").write_bytes(b"not a tgz")
    with pytest.raises(PackageError):
        load_package(tmp_path / "bad.tgz")
    with pytest.raises(PackageError):
        load_package(tmp_path)  # a folder without package.json
