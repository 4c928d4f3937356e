"""results.json: the versioned, machine-readable account of a run.

Verdict of a requirement: the worst finding about it (fail > warn > pass > not-applicable),
"not-tested" when no scenario produced a finding, "not-checked" when the catalog says the
harness does not check it, "not-run-sandbox" / "not-run-imported" when a sandbox run did not run any
scenario that judges it, or no imported exchange could judge it (each such scenario says why: "non exécuté
en bac à sable"). A socle passes when every checked EXIGENCE passed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from conformance.formats.terminology import default_terminology
from conformance.model import Finding, Level, Verdict
from conformance.requirements import catalog_for

if TYPE_CHECKING:
    from conformance.engine.evidence import EvidenceJournal
    from conformance.engine.recorder import RunInfo, ScenarioRecord

SCHEMA = "dui-conformance/results/2"  # 2: "selection" (keyword, deselected scenarios)
# the verdict of a requirement the run's mode could not judge (its scenarios declared not run, with a reason)
NOT_RUN_BY_MODE = {"sandbox": "not-run-sandbox", "imported": "not-run-imported"}


def requirement_verdict(findings: Iterable[Finding]) -> str:
    worst: Verdict | None = None
    for f in findings:
        if worst is None or f.verdict.rank > worst.rank:
            worst = f.verdict
    return worst.value if worst is not None else "not-tested"


def socle_verdict(requirements: dict[str, dict[str, Any]]) -> str:
    exigences = [r for r in requirements.values() if r["level"] == Level.EXIGENCE.value and r["checked"]]
    if any(r["verdict"] in ("fail", "not-tested") for r in exigences):
        return "fail"
    if any(r["verdict"] == "warn" for r in requirements.values()):
        return "pass-with-warnings"
    return "pass"


def finished(own: list[ScenarioRecord], expected: int | None) -> bool:
    """Every selected scenario of a socle ran to its end (none pending, none interrupted)."""
    done = [s for s in own if s.outcome not in ("pending", "interrupted")]
    return expected is not None and len(done) == len(own) >= expected


def build_results(
    info: RunInfo,
    scenarios: list[ScenarioRecord],
    journal: EvidenceJournal,
    expected_total: int = 0,
    expected_by_socle: dict[str, int] | None = None,
) -> dict[str, Any]:
    """An interrupted run keeps the verdict of each socle whose scenarios had all finished."""
    socles: dict[str, Any] = {}
    manifests: list[dict[str, Any]] = []
    evidence_by_req: dict[str, set[str]] = {}
    for ref in journal.refs():
        for rid in ref.requirements:
            evidence_by_req.setdefault(rid, set()).add(ref.sha256)
    for name in info.socles:
        cat = catalog_for(name)
        manifests.append(cat.manifest())
        own = [s for s in scenarios if s.socle == name]
        # one pass over the findings and the scenarios' requirements (rebuilt at every scenario's end: a
        # scan per requirement made the run's bookkeeping quadratic)
        found_by_req: dict[str, list[Finding]] = {}
        tests_by_req: dict[str, list[str]] = {}
        for s in own:
            for f in s.findings:
                found_by_req.setdefault(f.requirement, []).append(f)
            for rid in dict.fromkeys(s.requirements):
                tests_by_req.setdefault(rid, []).append(s.nodeid)
        reqs: dict[str, Any] = {}
        for req in cat.requirements.values():
            found = found_by_req.get(req.id, [])
            tests = tests_by_req.get(req.id, [])
            evidence = set(evidence_by_req.get(req.id, set()))
            evidence.update(f.evidence for f in found if f.evidence)
            verdict = requirement_verdict(found) if req.checked else "not-checked"
            not_run = [s.not_run for s in own if req.id in s.requirements and s.not_run]
            if verdict == "not-tested" and not_run and len(not_run) == len(tests) and info.mode in NOT_RUN_BY_MODE:
                verdict = NOT_RUN_BY_MODE[info.mode]
            reqs[req.id] = {
                "verdict": verdict,
                "level": req.level.value,
                "checked": req.checked,
                "not_checked_reason": req.not_checked_reason,
                "unsure": req.unsure,
                "refs": list(req.refs),
                "title_en": req.title_en,
                "text_fr": req.text_fr,
                "source": req.source,
                "source_version": req.source_version,
                "tests": tests,
                "findings": [f.to_json() for f in found],
                "evidence": sorted(evidence),
                **({"not_run": not_run[0]} if verdict in NOT_RUN_BY_MODE.values() else {}),
            }
        counts: dict[str, int] = {}
        for r in reqs.values():
            counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
        socles[name] = {
            "title_fr": cat.title_fr,
            "title_en": cat.title_en,
            "catalog_version": cat.version,
            "verdict": socle_verdict(reqs)
            if info.status == "complete" or finished(own, (expected_by_socle or {}).get(name))
            else "incomplete",
            "counts": counts,
            "scenarios": [s.to_json() for s in own],
            "requirements": reqs,
        }
    manifests.extend(vs.manifest() for vs in default_terminology().used())
    done = sum(1 for s in scenarios if s.outcome != "pending")
    return {
        "schema": SCHEMA,
        "run_id": info.run_id,
        "status": info.status,
        "progress": {"done": done, "total": max(expected_total, len(scenarios))},
        "selection": {"keyword": info.keyword, "deselected": info.deselected},
        "solution": info.solution,
        "harness": info.harness,
        "driver": info.driver,
        "mode": info.mode,
        **({"platform": info.platform} if info.platform is not None else {}),
        **({"imported": info.imported} if info.imported is not None else {}),
        "started": info.started,
        "finished": info.finished,
        "rule_sets": manifests,
        "socles": socles,
    }


def completeness(results: dict[str, Any]) -> dict[str, Any]:
    """Whether every scenario of the selected socles ran to an outcome, and if not why (in both languages).

    A run that skipped scenarios (a cross-socle scenario without its other socle, a skip), deselected some
    (`-k`, `--deselect`), collected without running (`--collect-only`), selected none, or was interrupted
    is partial: its certificate never counts. A scenario a sandbox or import run declares not run, with its
    reason (`not_run`), is no skip: its requirements say "not-run-<mode>" and the certificate names them."""
    scenarios = [x for s in results.get("socles", {}).values() for x in s.get("scenarios", [])]
    declared = results.get("mode") in NOT_RUN_BY_MODE
    scenarios = [
        {**x, "outcome": "not-run"} if declared and x.get("not_run") and x.get("outcome") == "skipped" else x
        for x in scenarios
    ]
    progress = results.get("progress") or {}
    selection = results.get("selection") or {}
    by_outcome: dict[str, int] = {}
    for x in scenarios:
        by_outcome[x.get("outcome", "pending")] = by_outcome.get(x.get("outcome", "pending"), 0) + 1
    done, total = int(progress.get("done", 0)), int(progress.get("total", 0))
    deselected = int(selection.get("deselected") or 0)
    fr: list[str] = []
    en: list[str] = []
    if results.get("status") != "complete":
        fr.append("exécution interrompue")
        en.append(f"run {results.get('status')}")
    if not scenarios or total == 0:
        fr.append("aucun scénario exécuté")
        en.append("no scenario ran")
    elif done < total:
        fr.append(f"{done} scénario(s) exécuté(s) sur {total}")
        en.append(f"{done} of {total} scenarios ran")
    not_run = by_outcome.get("skipped", 0) + by_outcome.get("pending", 0)
    if not_run:
        fr.append(f"{not_run} scénario(s) ignoré(s)")
        en.append(f"{not_run} scenario(s) skipped")
    if deselected or selection.get("keyword"):
        fr.append(f"sélection restreinte ({deselected} scénario(s) écarté(s))")
        en.append(f"restricted selection ({deselected} scenario(s) deselected)")
    return {
        "complete": not fr,
        "scenarios": len(scenarios),
        "total": total,
        "outcomes": dict(sorted(by_outcome.items())),
        "deselected": deselected,
        "reasons_fr": fr,
        "reasons_en": en,
    }


def exit_code(results: dict[str, Any]) -> int:
    """0 when every checked EXIGENCE of every socle passed, 1 otherwise."""
    if results.get("status") != "complete":
        return 1
    return 0 if all(s["verdict"] != "fail" for s in results["socles"].values()) else 1
