"""Assemble a grappe's dossier: members matched to certificates, the programme's conditions judged.

Each member is matched to the certificates of its DUI solution and version (names compared without
case, accents or punctuation; versions without a leading "v"), or to the certificate its line names.
Per DUI version in use the best certificate is kept (accepted by the programme first, then the
strongest trust level, the most counted socles, the latest). The conditions are then judged on the
usable lines only (a line with an unusable FINESS, or repeating an establishment, is left out of
every count and says why). Nothing here raises on content: every problem is a `Problem` at its line.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from conformance import __version__
from conformance.dossier.certificates import CertificateCheck, Found, find_certificates, short_label
from conformance.dossier.finess import Zone
from conformance.dossier.members import Member, MembersFile, normalise_header
from conformance.dossier.problems import CONDITION, ERROR, WARNING, M, Problem, problem
from conformance.dossier.programme import Programme
from conformance.socle import installed_socles

SCHEMA = "dui-conformance/dossier/1"
TRUST_RANK = {"witnessed": 3, "auto-attested": 2, "untrusted": 1, "invalid": 0}
TRUST_FR = {
    "witnessed": "attestée par un tiers de confiance",
    "auto-attested": "auto-attestée",
    "untrusted": "signataire non reconnu",
    "invalid": "invalide",
}


def solution_key(name: str) -> str:
    return normalise_header(name)


def version_key(version: str) -> str:
    v = " ".join(version.split()).casefold()
    return re.sub(r"^(version|v)\s*(?=\d)", "", v)


@dataclass
class VersionGroup:
    """One DUI version in use in the grappe, its members and the certificate that speaks for it."""

    solution: str
    version: str
    members: list[Member] = field(default_factory=list)
    candidates: list[CertificateCheck] = field(default_factory=list)
    certificate: CertificateCheck | None = None
    accepted: bool = False
    refusal_fr: str = ""
    counted: list[str] = field(default_factory=list)
    meets: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "solution": self.solution,
            "version": self.version,
            "lines": [m.line for m in self.members],
            "certificate": self.certificate.to_json() if self.certificate else None,
            "other_certificates": [c.name for c in self.candidates if c is not self.certificate],
            "accepted": self.accepted,
            "refusal_fr": self.refusal_fr,
            "counted_socles": self.counted,
            "meets": self.meets,
        }


@dataclass
class Condition:
    id: str
    title_fr: str
    met: bool | None  # None: not a condition of this call
    reason_fr: str
    rule_fr: str
    sources: list[str]
    unsure: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title_fr": self.title_fr,
            "met": self.met,
            "reason_fr": self.reason_fr,
            "rule_fr": self.rule_fr,
            "sources": self.sources,
            "unsure": self.unsure,
        }


@dataclass
class Dossier:
    programme: Programme
    members: MembersFile
    found: Found
    groups: list[VersionGroup]
    conditions: list[Condition]
    problems: list[Problem]
    generated_at: datetime
    trust_given: bool

    @property
    def usable(self) -> list[Member]:
        return [m for m in self.members.members if m.usable]

    @property
    def complete(self) -> bool:
        return not any(p.severity == ERROR for p in self.problems)

    @property
    def met(self) -> bool:
        return all(c.met is not False for c in self.conditions)

    def line_problems(self, line: int) -> list[Problem]:
        return [p for p in self.problems if p.source == self.members.name and p.line == line]

    def group_of(self, member: Member) -> VersionGroup | None:
        key = (solution_key(member.solution), version_key(member.version))
        return next((g for g in self.groups if (solution_key(g.solution), version_key(g.version)) == key), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "generated_at": self.generated_at.isoformat().replace("+00:00", "Z"),
            "harness": {"name": "dui-conformance", "version": __version__},
            "programme": self.programme.to_json(),
            "verdict": {"conditions_met": self.met, "complete": self.complete},
            "conditions": [c.to_json() for c in self.conditions],
            "members_file": {
                "name": self.members.name,
                "sha256": self.members.sha256,
                "encoding": self.members.encoding,
                "separator": self.members.separator,
                "columns": self.members.columns,
            },
            "members": [m.to_json() for m in self.members.members],
            "versions": [g.to_json() for g in self.groups],
            "certificates": [c.to_json() for c in self.found.by_name.values()],
            "trust_anchors_given": self.trust_given,
            "problems": [p.to_json() for p in self.problems],
        }


def same_dui(check: CertificateCheck, member: Member) -> bool:
    return (solution_key(check.solution), version_key(check.version)) == (
        solution_key(member.solution),
        version_key(member.version),
    )


def _refusal(check: CertificateCheck, programme: Programme) -> str:
    """Why the programme does not accept this certificate ('' when it does)."""
    if check.trust == "invalid":
        return "; ".join(check.problems[:2]) or "attestation invalide"
    if check.evidence == "altered":
        return "preuves altérées"
    if check.rejudge == "contradicted":
        return "verdicts contredits par le re-jugement des preuves"
    if check.trust not in programme.accepted_trust:
        accepted = ", ".join(TRUST_FR[t] for t in programme.accepted_trust)
        return f"{TRUST_FR[check.trust]} (acceptées : {accepted})"
    if not check.complete:
        return f"exécution « {check.payload.get('status')} », non complète"
    return ""


def _best(candidates: list[CertificateCheck], programme: Programme) -> CertificateCheck | None:
    def rank(c: CertificateCheck) -> tuple[bool, int, int, str]:
        accepted = not _refusal(c, programme)
        return accepted, TRUST_RANK[c.trust], len(c.counted(programme.counting_socles)), str(c.payload.get("issued_at"))

    return max(candidates, key=rank, default=None)


def _pinned(member: Member, found: Found, source: str) -> list[Problem]:
    """A line naming its certificate file: that file must exist, be a certificate, and be for its DUI."""
    name = posixpath.normpath(member.certificate.replace("\\", "/"))
    check = found.by_name.get(name)
    if check is None:
        return [problem(source, member.line, "attestation", ERROR, "certificate-named-missing", name=name)]
    if not check.is_certificate:
        reason = "; ".join(check.problems[:2]) or "?"
        return [problem(source, member.line, "attestation", ERROR, "certificate-not-certificate", reason=reason)]
    if not same_dui(check, member):
        params = {"solution": check.solution, "version": check.version}
        return [problem(source, member.line, "attestation", ERROR, "certificate-named-other-solution", **params)]
    return []


def _judge_group(
    g: VersionGroup, same_solution: list[CertificateCheck], programme: Programme
) -> tuple[str, dict[str, Any]]:
    """Pick the group's certificate and judge it; the message key and parameters of its lines' problem ('' if none)."""
    g.certificate = _best(g.candidates, programme)
    if g.certificate is None:
        others = sorted({c.version for c in same_solution})
        if others:
            return "member-other-version", {"versions": ", ".join(others)}
        return "member-no-certificate", {}
    g.refusal_fr = _refusal(g.certificate, programme)
    g.accepted = not g.refusal_fr
    g.counted = g.certificate.counted(programme.counting_socles) if g.accepted else []
    g.meets = g.accepted and len(g.counted) >= programme.minimum_socles
    if not g.accepted:
        return "member-certificate-refused", {"reason": g.refusal_fr}
    if not g.meets:
        return "member-too-few-socles", {"count": len(g.counted), "minimum": programme.minimum_socles}
    return "", {}


def _groups(members: MembersFile, found: Found, programme: Programme) -> tuple[list[VersionGroup], list[Problem]]:
    groups: dict[tuple[str, str], VersionGroup] = {}
    problems: list[Problem] = []
    for m in members.members:
        if m.certificate:
            problems.extend(_pinned(m, found, members.name))
        if m.usable:
            key = (solution_key(m.solution), version_key(m.version))
            groups.setdefault(key, VersionGroup(m.solution, m.version)).members.append(m)
    for (solution, version), g in groups.items():
        same_solution = [c for c in found.checks if solution_key(c.solution) == solution]
        g.candidates = [c for c in same_solution if version_key(c.version) == version]
        message, params = _judge_group(g, same_solution, programme)
        if not message:
            continue
        params = {"solution": g.solution, "version": g.version, **params}
        if g.certificate is None:
            g.refusal_fr = M.text(message, **params).fr
        field_fr = "version DUI" if g.certificate is None else "attestation"
        problems.extend(problem(members.name, m.line, field_fr, CONDITION, message, **params) for m in g.members)
    return list(groups.values()), problems


def _size(members: list[Member], programme: Programme) -> Condition:
    rule = programme.grappe_size
    islands = bool(members) and all(m.esms_finess.zone in (Zone.CORSICA, Zone.OVERSEAS) for m in members)
    minimum = programme.minimum_size_corsica_overseas if islands else programme.minimum_size
    where = " (tous en Corse ou en outre-mer)" if islands else ""
    reason = f"{len(members)} ESMS{where} ; minimum {minimum}"
    if programme.national_from and len(members) >= programme.national_from:
        reason += f" ; {programme.national_from} ESMS ou plus : la grappe relève d'un appel national"
    return Condition(
        "grappe-size",
        "Taille de la grappe",
        len(members) >= minimum,
        reason,
        rule.text(),
        list(rule.sources),
        rule.unsure,
    )


def _organismes(members: list[Member], programme: Programme) -> Condition:
    rule = programme.organismes
    count = len({m.og_finess.value for m in members})
    minimum = programme.minimum_organismes
    met = None if minimum <= 0 else count >= minimum
    reason = f"{count} organisme(s) gestionnaire(s)" + (f" ; minimum {minimum}" if minimum > 0 else "")
    return Condition(
        "organismes", "Organismes gestionnaires", met, reason, rule.text(), list(rule.sources), rule.unsure
    )


def _socles(groups: list[VersionGroup], programme: Programme, titles: dict[str, str]) -> Condition:
    rule = programme.socles
    failing = [g for g in groups if not g.meets]
    if not groups:
        reason = "aucune version de DUI utilisable dans le fichier des membres"
    elif failing:
        too_few = f"moins de {programme.minimum_socles} services socles comptés"
        reason = "non rempli pour " + " ; ".join(
            f"{g.solution} {g.version} ({g.refusal_fr or too_few})" for g in failing
        )
    else:
        reason = " ; ".join(
            f"{g.solution} {g.version} : {', '.join(titles.get(s, s) for s in g.counted)}" for g in groups
        )
    socles = ", ".join(titles.get(s, s) for s in programme.counting_socles)
    return Condition(
        "socles",
        "Services socles de chaque version de DUI",
        bool(groups) and not failing,
        reason,
        rule.text(socles=socles),
        list(rule.sources),
        rule.unsure,
    )


def _categories(members: list[Member], programme: Programme, source: str) -> tuple[Condition, list[Problem]]:
    rule = programme.categories
    eligible = {normalise_header(c) for c in programme.eligible_categories}
    if not eligible:
        return Condition(
            "categories",
            "Catégories d'établissement",
            None,
            "non contrôlées",
            rule.text(),
            list(rule.sources),
            rule.unsure,
        ), []
    outside = [m for m in members if normalise_header(m.category) not in eligible]
    problems = [
        problem(source, m.line, "catégorie", CONDITION, "member-category", category=m.category) for m in outside
    ]
    reason = f"{len(outside)} établissement(s) hors des catégories éligibles" if outside else "toutes éligibles"
    return Condition(
        "categories", "Catégories d'établissement", not outside, reason, rule.text(), list(rule.sources), rule.unsure
    ), problems


def socle_titles(found: Found, key: str = "title_fr") -> dict[str, str]:
    """French titles (or short labels, key="label") of the socles: the installed socles', then the certificates'."""
    titles = {
        name: (s.title_fr if key == "title_fr" else short_label(name, s.title_fr))
        for name, s in installed_socles().items()
    }
    for c in found.checks:
        for s in c.socles():
            titles.setdefault(s["name"], s[key])
    return titles


def assemble(
    members: MembersFile,
    certificates: Path | Found,
    programme: Programme,
    trust: Path | None = None,
    *,
    rejudge: bool = False,
) -> Dossier:
    found = certificates if isinstance(certificates, Found) else find_certificates(certificates, trust, rejudge=rejudge)
    groups, group_problems = _groups(members, found, programme)
    usable = [m for m in members.members if m.usable]
    categories, category_problems = _categories(usable, programme, members.name)
    titles = socle_titles(found, "label")
    conditions = [
        _size(usable, programme),
        _organismes(usable, programme),
        _socles(groups, programme, titles),
        categories,
    ]
    order = {ERROR: 0, CONDITION: 1, WARNING: 2}
    problems = sorted(
        [*members.problems, *found.problems, *group_problems, *category_problems],
        key=lambda p: (p.source != members.name, p.line or 0, order.get(p.severity, 3)),
    )
    now = datetime.now(UTC).replace(microsecond=0)
    return Dossier(programme, members, found, groups, conditions, problems, now, trust is not None)


def paris(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("Europe/Paris")).strftime("%d/%m/%Y %H:%M")
