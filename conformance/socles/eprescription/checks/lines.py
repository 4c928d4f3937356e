"""EP-01 (declared profile), EP-02 (authoredOn format), EP-19 (textual rendering) and GEN-01
(version, canonicals) on the prescription lines."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from conformance.model import CheckContext, Finding, failed, passed
from conformance.registry import check
from conformance.socles.eprescription.checks.view import View, extensions, profiles_of, remembered

_FULL_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@check("fhir", "eprescription", "EP-01")
@remembered
def declared_profile(view: View, ctx: CheckContext) -> Iterator[Finding]:
    rules = view.rules
    wanted = (rules.profile("medicationrequest"), rules.profile("inpatient_medicationrequest"))
    lines = view.lines()
    if not lines:
        yield failed(
            "EP-01",
            "the Bundle holds no MedicationRequest: no prescription line to check",
            "le Bundle ne contient aucune MedicationRequest : aucune ligne de prescription",
            "Bundle.entry",
        )
    for line in lines:
        declared = profiles_of(line.resource)
        hit = next((p for p in wanted if p in declared), None)
        if hit:
            yield passed(
                "EP-01",
                f"declares {hit} ({rules.ig_package} {rules.ig_version})",
                f"déclare {hit} ({rules.ig_package} {rules.ig_version})",
                f"{line.loc}.meta.profile",
            )
        else:
            yield failed(
                "EP-01",
                f"meta.profile does not declare {wanted[0]} (or {wanted[1]}); declared: "
                f"{', '.join(declared) or 'none'} ({rules.ig_package} {rules.ig_version})",
                f"meta.profile ne déclare pas {wanted[0]} (ni {wanted[1]}) ; déclarés : "
                f"{', '.join(declared) or 'aucun'} ({rules.ig_package} {rules.ig_version})",
                f"{line.loc}.meta.profile",
            )


@check("fhir", "eprescription", "EP-02")
@remembered
def authored_on(view: View, ctx: CheckContext) -> Iterator[Finding]:
    cite = view.rules.cite("medicationrequest")
    for line in view.lines():
        value = line.resource.get("authoredOn")
        if not isinstance(value, str):
            continue  # absence is the cardinality rule fr-mr-authoredOn
        where = f"{line.loc}.authoredOn"
        if _FULL_DATETIME.match(value):
            yield passed(
                "EP-02",
                f"authoredOn {value} is a full dateTime with timezone ({cite})",
                f"authoredOn {value} est un dateTime complet avec fuseau ({cite})",
                where,
            )
        else:
            yield failed(
                "EP-02",
                f"authoredOn {value!r} is not a full dateTime to the second with a timezone ({cite})",
                f"authoredOn {value!r} n'est pas un dateTime complet à la seconde avec fuseau ({cite})",
                where,
            )


@check("fhir", "eprescription", "EP-19")
@remembered
def rendering(view: View, ctx: CheckContext) -> Iterator[Finding]:
    rules = view.rules
    url, prefix = rules.extensions["rendered_dosage"], rules.rendering["note_prefix"]
    for line in view.lines():
        rendered = [e for e in extensions(line.resource, url) if str(e.get("valueMarkdown", "")).strip()]
        raw_notes = line.resource.get("note")
        notes: list[Any] = raw_notes if isinstance(raw_notes, list) else []
        textual = [n for n in notes if isinstance(n, dict) and str(n.get("text", "")).startswith(prefix)]
        if rendered or textual:
            yield passed("EP-19", "the line has a textual rendering", "la ligne a une version textuelle", line.loc)
        else:
            yield failed(
                "EP-19",
                f"no renderedDosageInstruction extension ({url}) and no note starting {prefix!r} "
                f"({rules.cite('medicationrequest')}, Modelisation « Version textuelle »)",
                f"ni extension renderedDosageInstruction ({url}) ni note commençant par {prefix!r} "
                f"({rules.cite('medicationrequest')}, Modélisation « Version textuelle »)",
                line.loc,
            )


@check("fhir", "eprescription", "GEN-01")
@remembered
def canonicals(view: View, ctx: CheckContext) -> Iterator[Finding]:
    legacy = tuple(view.rules.profiles["legacy_prefixes"])
    bad = False
    for entry in view.index.entries:
        for p in profiles_of(entry.resource):
            if p.startswith(legacy):
                bad = True
                yield failed(
                    "GEN-01",
                    f"meta.profile uses the legacy canonical {p} (superseded hl7.fhir.fr.medication); "
                    f"use {view.rules.ig_package} {view.rules.ig_version} canonicals",
                    f"meta.profile utilise l'ancienne canonique {p} (hl7.fhir.fr.medication, remplacé) ; "
                    f"utiliser les canoniques de {view.rules.ig_package} {view.rules.ig_version}",
                    f"{entry.loc}.meta.profile",
                )
    if not bad:
        yield passed(
            "GEN-01",
            "no legacy canonical in meta.profile",
            "aucune ancienne canonique dans meta.profile",
            "Bundle",
        )
