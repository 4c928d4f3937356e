"""EP-01 (declared profile), EP-02 (authoredOn format), EP-19 (textual rendering) and GEN-01
(version, canonicals) on the prescription lines."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from conformance.model import CheckContext, Finding
from conformance.registry import check
from conformance.socles.eprescription.checks.view import View, extensions, profiles_of, remembered
from conformance.socles.eprescription.messages import M, either

_FULL_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@check("fhir", "eprescription", "EP-01")
@remembered
def declared_profile(view: View, ctx: CheckContext) -> Iterator[Finding]:
    rules = view.rules
    package, version = rules.ig_package, rules.ig_version
    wanted = (rules.profile("medicationrequest"), rules.profile("inpatient_medicationrequest"))
    lines = view.lines()
    if not lines:
        yield M.fail("EP-01", "profile.no-line", "Bundle.entry")
    for line in lines:
        declared = profiles_of(line.resource)
        hit = next((p for p in wanted if p in declared), None)
        where = f"{line.loc}.meta.profile"
        if hit:
            yield M.passed("EP-01", "profile.declared", where, profile=hit, package=package, version=version)
        else:
            yield M.fail(
                "EP-01",
                "profile.not-declared",
                where,
                wanted=wanted[0],
                inpatient=wanted[1],
                declared=either(", ".join(declared), "none"),
                package=package,
                version=version,
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
            yield M.passed("EP-02", "authored.full", where, value=value, cite=cite)
        elif _DATE.match(value):  # FHIR dateTime allows a date; the ordonnance carries its date (CSP R.5132-3)
            yield M.passed("EP-02", "authored.date", where, value=value, cite=cite)
        else:
            yield M.fail("EP-02", "authored.partial", where, value=value, cite=cite)


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
            yield M.passed("EP-19", "rendering.present", line.loc)
        else:
            yield M.fail(
                "EP-19", "rendering.missing", line.loc, url=url, prefix=prefix, cite=rules.cite("medicationrequest")
            )


@check("fhir", "eprescription", "GEN-01")
@remembered
def canonicals(view: View, ctx: CheckContext) -> Iterator[Finding]:
    legacy = tuple(view.rules.profiles["legacy_prefixes"])
    package, version = view.rules.ig_package, view.rules.ig_version
    bad = False
    for entry in view.index.entries:
        for p in profiles_of(entry.resource):
            if p.startswith(legacy):
                bad = True
                yield M.fail(
                    "GEN-01",
                    "canonical.legacy",
                    f"{entry.loc}.meta.profile",
                    profile=p,
                    package=package,
                    version=version,
                )
    if not bad:
        yield M.passed("GEN-01", "canonical.current", "Bundle")
