"""Requirement by requirement, what changed between two runs or two certificates (a CI gate).

Each side is a run folder (its results.json), a results.json, a certificate (HTML, verified through
the dossier's adapter; an invalid one is refused), or a certificate.json (read as is, said unverified).
Changes are classified, worst first:

- `socle`: a socle of A absent from B, or one A's certificate counted that B's does not;
- `regression`: a requirement that did not fail now fails, or one that was judged (pass, warning,
  not applicable) is no longer tested;
- `new-warning`: a requirement that passed now gives a warning (a PRECONISATION not followed);
- `improvement`: a failure or a warning that passes, or a requirement now tested that was not;
- `added` / `removed`: a requirement in one catalog only (a new rule failing is shown, but the DUI
  did not regress: the harness got stricter);
- `other`: anything else that differs (level, not-applicable <-> pass, not checked by the harness).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.dossier.certificates import check_certificate

MAX_JSON_BYTES = 64 * 1024 * 1024
CATEGORIES = ("socle", "regression", "new-warning", "improvement", "added", "removed", "other")
JUDGED = ("pass", "warn", "not-applicable")


class CompareError(ValueError):
    pass


@dataclass
class Side:
    path: str
    kind: str  # run | certificate | certificate-json
    verified: bool | None  # certificate signature verified; None: nothing to verify (a run) or unsigned JSON
    solution: dict[str, Any]
    run_id: str
    status: str
    requirements: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    socles: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> verdict, counts (None for runs)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "verified": self.verified,
            "solution": self.solution,
            "run_id": self.run_id,
            "status": self.status,
            "socles": self.socles,
        }


def _read_json(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_JSON_BYTES + 1)
        if len(data) > MAX_JSON_BYTES:
            raise CompareError(f"{path} is larger than {MAX_JSON_BYTES} bytes")
        doc = json.loads(data)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CompareError(f"cannot read {path}: {exc}") from exc
    if not isinstance(doc, dict):
        raise CompareError(f"{path} is not a JSON object")
    return doc


def _requirement(q: dict[str, Any]) -> dict[str, Any]:
    return {k: q.get(k) for k in ("verdict", "level", "checked", "title_en", "text_fr")}


def _from_results(path: Path, doc: dict[str, Any]) -> Side:
    side = Side(str(path), "run", None, dict(doc.get("solution") or {}), str(doc.get("run_id")), str(doc.get("status")))
    for name, s in (doc.get("socles") or {}).items():
        side.socles[name] = {"verdict": s.get("verdict"), "counts": None}
        for rid, q in (s.get("requirements") or {}).items():
            side.requirements[(name, rid)] = _requirement(q)
    return side


def _from_payload(path: Path, doc: dict[str, Any], kind: str, verified: bool | None) -> Side:
    solution = doc.get("solution") or {}
    given = solution.get("declared")
    declared: dict[str, Any] = given if isinstance(given, dict) else solution  # certificate/2
    side = Side(str(path), kind, verified, dict(declared), str(doc.get("run_id")), str(doc.get("status")))
    for name, s in (doc.get("socles") or {}).items():
        side.socles[name] = {"verdict": s.get("verdict"), "counts": bool(s.get("counts"))}
        for q in s.get("requirements") or []:
            side.requirements[(name, str(q.get("id")))] = _requirement(q)
    return side


def load_side(path: Path) -> Side:
    """A run folder, results.json, certificate HTML or certificate.json; CompareError when none of them."""
    path = Path(path)
    if path.is_dir():
        if (path / "results.json").is_file():
            path = path / "results.json"
        elif (path / "certificate.html").is_file():
            path = path / "certificate.html"
        else:
            raise CompareError(f"{path} holds neither results.json nor certificate.html")
    if not path.is_file():
        raise CompareError(f"{path} does not exist")
    if path.suffix.lower() in (".html", ".htm"):
        check = check_certificate(path, path.name)
        if check.trust == "invalid":
            raise CompareError(f"{path} is not a valid certificate: {'; '.join(check.problems[:3])}")
        return _from_payload(path, check.payload, "certificate", True)
    doc = _read_json(path)
    schema = str(doc.get("schema", ""))
    if schema.startswith("dui-conformance/results/"):
        return _from_results(path, doc)
    if schema.startswith("dui-conformance/certificate/"):
        return _from_payload(path, doc, "certificate-json", None)
    raise CompareError(f"{path}: schema {schema!r} is neither a run's results nor a certificate")


@dataclass(frozen=True)
class Change:
    category: str
    socle: str
    requirement: str  # "" for a change of the whole socle
    before: str | None
    after: str | None
    level: str
    title_en: str
    text_fr: str

    def to_json(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "socle": self.socle,
            "requirement": self.requirement,
            "before": self.before,
            "after": self.after,
            "level": self.level,
            "title_en": self.title_en,
            "text_fr": self.text_fr,
        }


def classify(before: str | None, after: str | None) -> str | None:
    """The category of one requirement's change (None when nothing changed)."""
    if before == after:
        return None
    if before is None:
        return "added"
    if after is None:
        return "removed"
    if after == "fail" or (before in JUDGED and after == "not-tested"):
        return "regression"
    if after == "warn" and before in ("pass", "not-applicable"):
        return "new-warning"
    if (before == "fail" and after in JUDGED) or (before == "warn" and after in ("pass", "not-applicable")):
        return "improvement"
    if before == "not-tested" and after in JUDGED:
        return "improvement"
    return "other"


@dataclass
class Comparison:
    a: Side
    b: Side
    changes: list[Change]
    unchanged: int

    def of(self, category: str) -> list[Change]:
        return [c for c in self.changes if c.category == category]

    def summary(self) -> dict[str, int]:
        return {**{c: len(self.of(c)) for c in CATEGORIES}, "unchanged": self.unchanged}

    def fails(self, on: str) -> bool:
        """Whether the gate fails: on 'regression' (default), 'warning' (also new warnings), 'change', 'never'."""
        counted = {
            "regression": ("socle", "regression"),
            "warning": ("socle", "regression", "new-warning"),
            "change": CATEGORIES,
        }
        return any(self.of(c) for c in counted.get(on, ()))

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": "dui-conformance/diff/1",
            "a": self.a.to_json(),
            "b": self.b.to_json(),
            "summary": self.summary(),
            "regression": self.fails("regression"),
            "changes": [c.to_json() for c in self.changes],
        }


def _verdict(q: dict[str, Any] | None) -> str | None:
    return None if q is None else str(q.get("verdict"))


def _socle_changes(a: Side, b: Side) -> list[Change]:
    """Socles of A that B did not run, and socles A's certificate counted that B's does not."""
    out = []
    for socle in sorted(a.socles):
        before, after = a.socles[socle], b.socles.get(socle)
        if after is None:
            out.append(
                Change(
                    "socle",
                    socle,
                    "",
                    before["verdict"],
                    None,
                    "",
                    "socle not run in B",
                    "service socle non exécuté dans B",
                )
            )
        elif before["counts"] and after["counts"] is False:
            out.append(
                Change(
                    "socle",
                    socle,
                    "",
                    "counted",
                    "not counted",
                    "",
                    "socle no longer counted",
                    "service socle qui n'est plus compté",
                )
            )
    return out


def compare(a: Side, b: Side) -> Comparison:
    changes = _socle_changes(a, b)
    unchanged = 0
    for key in sorted(set(a.requirements) | set(b.requirements)):
        socle, rid = key
        if socle not in b.socles:
            continue  # the whole socle is already reported
        qa, qb = a.requirements.get(key), b.requirements.get(key)
        before, after = _verdict(qa), _verdict(qb)
        category = classify(before, after)
        if category is None and qa and qb and qa["level"] != qb["level"]:
            category = "other"
        if category is None:
            unchanged += 1
            continue
        q = qb or qa or {}
        level, en, fr = (str(q.get(k) or "") for k in ("level", "title_en", "text_fr"))
        changes.append(Change(category, socle, rid, before, after, level, en, fr))
    changes.sort(key=lambda c: (CATEGORIES.index(c.category), c.level != "EXIGENCE", c.socle, c.requirement))
    return Comparison(a, b, changes, unchanged)


HEADINGS = {
    "en": {
        "socle": "SOCLES LOST",
        "regression": "REGRESSIONS",
        "new-warning": "NEW WARNINGS",
        "improvement": "IMPROVEMENTS",
        "added": "REQUIREMENTS ONLY IN B",
        "removed": "REQUIREMENTS ONLY IN A",
        "other": "OTHER CHANGES",
        "summary": "summary",
        "incomplete": "warning: {side} run is {status}, not complete: its untested requirements say so",
        "unverified": "note: {side} is a certificate.json, not verified (give the certificate HTML to verify it)",
    },
    "fr": {
        "socle": "SERVICES SOCLES PERDUS",
        "regression": "RÉGRESSIONS",
        "new-warning": "NOUVEAUX AVERTISSEMENTS",
        "improvement": "AMÉLIORATIONS",
        "added": "EXIGENCES SEULEMENT DANS B",
        "removed": "EXIGENCES SEULEMENT DANS A",
        "other": "AUTRES CHANGEMENTS",
        "summary": "bilan",
        "incomplete": "attention : l'exécution {side} est « {status} », non complète",
        "unverified": "note : {side} est un certificate.json, non vérifié (donner l'attestation HTML pour la vérifier)",
    },
}


def _side_line(name: str, s: Side) -> str:
    solution = f"{s.solution.get('name') or '?'} {s.solution.get('version') or '?'}"
    return f"{name}: {solution} ({s.kind}, run {s.run_id}, {s.status}) {s.path}"


def render_text(c: Comparison, lang: str = "en") -> str:
    t = HEADINGS[lang]
    lines = [_side_line("A", c.a), _side_line("B", c.b)]
    for name, s in (("A", c.a), ("B", c.b)):
        if s.status != "complete":
            lines.append(t["incomplete"].format(side=name, status=s.status))
        if s.kind == "certificate-json":
            lines.append(t["unverified"].format(side=name))
    for category in CATEGORIES:
        found = c.of(category)
        if not found:
            continue
        lines.append(f"{t[category]} ({len(found)})")
        for x in found:
            text = x.text_fr if lang == "fr" else x.title_en
            text = text if len(text) <= 100 else text[:99] + "…"
            lines.append(
                f"  {x.socle:<14} {x.requirement or '*':<12} {x.level or '-':<13} {x.before} -> {x.after}  {text}"
            )
    summary = ", ".join(f"{k} {v}" for k, v in c.summary().items())
    lines.append(f"{t['summary']}: {summary}")
    return "\n".join(lines)
