"""The merge of a parallel run's worker folders, on folders written by real recorders (no services)."""

from __future__ import annotations

import json
from hashlib import sha256 as _sha256
from pathlib import Path

from conformance.engine.evidence import HARNESS, JUDGEMENT, read_journal
from conformance.engine.judgement import FILE, KIND
from conformance.engine.parallel_merge import MARKS_FILE, PLAN_FILE, merge_run
from conformance.engine.parallel_refs import note_attached_again
from conformance.engine.recorder import RunInfo, RunRecorder
from conformance.messages import Text, finding
from conformance.model import Verdict
from conformance.requirements import catalog_for

SOCLE = "mssante"


def rid(i: int) -> str:
    return sorted(catalog_for(SOCLE).requirements)[i]


def recorder(out: Path) -> RunRecorder:
    return RunRecorder(RunInfo("run-1", out, [SOCLE], "demo", {}))


def scenario(rec: RunRecorder, nodeid: str, requirement: str, verdict: Verdict, actions: list[str]) -> None:
    """One scenario: an artifact tagged with the requirement judged on it, and the DUI's actions."""
    rec.begin(nodeid, SOCLE, nodeid.split("::")[-1], nodeid, [requirement])
    ref = rec.journal.record("email", f"{nodeid}.eml", nodeid.encode())
    rec.journal.tag(ref, [requirement])
    found = finding(requirement, verdict, Text("judged", "jugé"), "here")
    found.evidence = ref.sha256
    rec.add_findings(nodeid, [found])
    history = rec.__dict__.setdefault("history", [])
    history.extend(actions)
    with (rec.out / MARKS_FILE).open("a") as fh:
        fh.write(json.dumps({"scenario": nodeid, "actions": len(history)}) + "\n")


def close(rec: RunRecorder, last: str) -> None:
    """The `dui` fixture's teardown (history recorded during the last scenario), then the scenario's end."""
    history = [{"action": {"verb": verb}} for verb in rec.__dict__["history"]]
    rec.journal.record_json("driver-history", "driver-history", history)
    rec.end(last, "passed", 0.1)
    rec.finish()


def test_merge_orders_by_collection_and_rebuilds_one_history(tmp_path: Path) -> None:
    out = tmp_path / "run"
    order = ["t.py::a", "t.py::b", "u.py::c"]
    gw0, gw1 = recorder(out / "workers" / "gw0"), recorder(out / "workers" / "gw1")
    scenario(gw1, "u.py::c", rid(2), Verdict.PASS, ["c1"])
    close(gw1, "u.py::c")
    scenario(gw0, "t.py::a", rid(0), Verdict.PASS, ["a1", "a2"])
    gw0.end("t.py::a", "passed", 0.1)
    scenario(gw0, "t.py::b", rid(1), Verdict.FAIL, ["b1"])
    close(gw0, "t.py::b")

    results = merge_run(recorder(out), out / "workers", order, "complete")

    index = json.loads((out / "evidence" / "index.json").read_text())["entries"]
    assert [(e["seq"], e["kind"], e["scenario"]) for e in index] == [
        (1, "email", "t.py::a"),
        (2, "email", "t.py::b"),
        (3, "email", "u.py::c"),
        (4, "driver-history", "u.py::c"),  # as in a serial run: recorded while the last scenario ran
    ]
    assert [e["path"][:6] for e in index] == ["00001-", "00002-", "00003-", "00004-"]
    assert index[0]["requirements"] == [rid(0)]  # tags kept (the journal line was written before them)
    assert [r["path"] for r in read_journal(out / "evidence")] == [e["path"] for e in index]
    history = json.loads((out / "evidence" / index[3]["path"]).read_text())
    assert [h["action"]["verb"] for h in history] == ["a1", "a2", "b1", "c1"]
    assert all((out / "evidence" / e["path"]).is_file() for e in index)
    assert not (out / "workers").exists()

    scenarios = results["socles"][SOCLE]["scenarios"]
    assert [s["id"] for s in scenarios] == order
    assert scenarios[2]["evidence"] == [index[2]["sha256"], index[3]["sha256"]]
    reqs = results["socles"][SOCLE]["requirements"]
    assert reqs[rid(0)]["verdict"] == "pass" and reqs[rid(1)]["verdict"] == "fail"
    assert reqs[rid(1)]["evidence"] == [index[1]["sha256"]]
    assert results["status"] == "complete" and results["progress"] == {"done": 3, "total": 3}
    assert json.loads((out / "results.json").read_text()) == results


def test_an_interrupted_worker_loses_nothing_it_recorded(tmp_path: Path) -> None:
    """A worker killed mid-scenario: its journal holds more than its index; the unfinished scenario is
    not reported as judged, but the evidence it captured is kept."""
    out = tmp_path / "run"
    gw0 = recorder(out / "workers" / "gw0")
    scenario(gw0, "t.py::a", rid(0), Verdict.PASS, ["a1"])
    gw0.end("t.py::a", "passed", 0.1)
    gw0.begin("t.py::b", SOCLE, "b", "b", [rid(1)])
    gw0.journal.record("email", "late.eml", b"captured before the kill")  # no index rewrite after it

    results = merge_run(recorder(out), out / "workers", ["t.py::a", "t.py::b"], "interrupted")

    index = json.loads((out / "evidence" / "index.json").read_text())["entries"]
    assert [(e["scenario"], e["path"][6:]) for e in index] == [
        ("t.py::a", "email-t.py_a.eml"),
        ("t.py::b", "email-late.eml"),
    ]
    assert (out / "evidence" / index[1]["path"]).read_bytes() == b"captured before the kill"
    assert [s["id"] for s in results["socles"][SOCLE]["scenarios"]] == ["t.py::a"]
    assert results["status"] == "interrupted" and results["socles"][SOCLE]["verdict"] == "incomplete"
    assert results["progress"] == {"done": 1, "total": 2}


def test_merging_no_worker_gives_an_empty_incomplete_run(tmp_path: Path) -> None:
    out = tmp_path / "run"
    results = merge_run(recorder(out), out / "workers", [], "interrupted")
    assert results["progress"] == {"done": 0, "total": 0}
    assert json.loads((out / "evidence" / "index.json").read_text())["entries"] == []


def judged(rec: RunRecorder, nodeid: str, requirement: str, part: bytes) -> str:
    """A scenario as the verifier records it: the artifact, a part attached once per journal (the same bytes
    in every scenario), and a judgement record naming both by SHA-256; the finding cites the record."""
    rec.begin(nodeid, SOCLE, nodeid.split("::")[-1], nodeid, [requirement])
    art = rec.journal.record("email", f"{nodeid}.eml", nodeid.encode())
    shared = rec.journal.attach("context-file", "context", part, role=HARNESS)  # as the verifier attaches it
    rec.journal.tag(shared, [requirement])
    record = {"artifact": {"sha256": art.sha256}, "context": {"ca": {FILE: shared.sha256}}}
    ref = rec.journal.record_json(KIND, "email", record, role=JUDGEMENT)
    found = finding(requirement, Verdict.PASS, Text("judged", "jugé"), "here")
    found.evidence = ref.sha256
    rec.add_findings(nodeid, [found])
    rec.end(nodeid, "passed", 0.1)
    return art.path


def test_references_between_entries_survive_the_renumbering(tmp_path: Path) -> None:
    """Judgement records name the entries they judged by SHA-256: the merge renumbers every file and changes
    no byte, each reference still names an entry of the merged index, and bytes each worker attached once are
    kept once, as in a serial journal."""
    out = tmp_path / "run"
    order = ["t.py::a", "t.py::b", "u.py::c"]
    gw0, gw1 = recorder(out / "workers" / "gw0"), recorder(out / "workers" / "gw1")
    judged(gw1, "u.py::c", rid(2), b"CA bundle")
    judged(gw1, "u.py::d", rid(3), b"CA bundle")  # the same worker reuses its entry
    judged(gw0, "t.py::a", rid(0), b"CA bundle")
    judged(gw0, "t.py::b", rid(1), b"other part")
    for rec in (gw0, gw1):
        rec.finish()
    written = {r.sha256 for rec in (gw0, gw1) for r in rec.journal.refs() if r.kind == KIND}

    results = merge_run(recorder(out), out / "workers", [*order, "u.py::d"], "complete")

    root = out / "evidence"
    index = json.loads((root / "index.json").read_text())["entries"]
    by_sha = {e["sha256"]: e for e in index}
    parts = [e for e in index if e["kind"] == "context-file"]
    assert [(p["scenario"], sorted(p["requirements"])) for p in parts] == [
        ("t.py::a", sorted([rid(0), rid(2), rid(3)])),  # gw1's copy folded into the first one
        ("t.py::b", [rid(1)]),
    ]
    records = [e for e in index if e["kind"] == "judgement"]
    assert [r["scenario"] for r in records] == [*order, "u.py::d"]
    assert {r["sha256"] for r in records} == written  # the records the workers wrote, byte for byte
    assert [r["path"][:6] for r in index] == [f"{i:05d}-" for i in range(1, len(index) + 1)]
    for entry in index:  # every file is what its entry says
        assert _sha256((root / entry["path"]).read_bytes()).hexdigest() == entry["sha256"], entry["path"]
    for r in records:
        body = json.loads((root / r["path"]).read_text())
        judged_entry = by_sha[body["artifact"]["sha256"]]
        assert judged_entry["kind"] == "email" and judged_entry["scenario"] == r["scenario"]
        assert by_sha[body["context"]["ca"][FILE]]["kind"] == "context-file"
    assert [json.loads((root / r["path"]).read_text())["context"]["ca"]["$file"] for r in records] == [
        parts[0]["sha256"],
        parts[1]["sha256"],
        parts[0]["sha256"],
        parts[0]["sha256"],
    ]
    cited = {f["evidence"] for s in results["socles"][SOCLE]["scenarios"] for f in s["findings"]}
    assert cited == written  # findings cite the records


def test_attached_bytes_go_to_the_earliest_scenario_that_attached_them(tmp_path: Path) -> None:
    """A worker handed a later module first keeps attached bytes under that module's scenario, and answers
    the earlier scenario's attach with that copy: its note gives the copy back to the earlier scenario, as
    a serial journal (collection order) would have recorded it."""
    out = tmp_path / "run"
    order = ["t.py::b", "u.py::c", "u.py::d"]
    gw0, gw1 = recorder(out / "workers" / "gw0"), recorder(out / "workers" / "gw1")
    for rec in (gw0, gw1):
        note_attached_again(rec.journal, rec.out)
    judged(gw0, "u.py::d", rid(3), b"CA bundle")  # gw0 ran module u first, then module t
    judged(gw0, "t.py::b", rid(1), b"CA bundle")  # answered with u.py::d's copy: only noted
    judged(gw1, "u.py::c", rid(2), b"CA bundle")
    for rec in (gw0, gw1):
        rec.finish()
    assert len([r for r in gw0.journal.refs() if r.kind == "context-file"]) == 1

    merge_run(recorder(out), out / "workers", order, "complete")

    index = json.loads((out / "evidence" / "index.json").read_text())["entries"]
    assert [(e["kind"], e["scenario"]) for e in index] == [
        ("email", "t.py::b"),
        ("context-file", "t.py::b"),  # where t.py::b attached it, before the judgement naming it
        ("judgement", "t.py::b"),
        ("email", "u.py::c"),
        ("judgement", "u.py::c"),
        ("email", "u.py::d"),
        ("judgement", "u.py::d"),
    ]
    part = index[1]
    assert part["role"] == HARNESS and sorted(part["requirements"]) == sorted([rid(1), rid(2), rid(3)])
    for record in (e for e in index if e["kind"] == "judgement"):
        body = json.loads((out / "evidence" / record["path"]).read_text())
        assert body["context"]["ca"][FILE] == part["sha256"]


def test_an_interrupted_run_says_incomplete_for_a_socle_whose_scenarios_did_not_all_end(tmp_path: Path) -> None:
    """The workers' plan says how many scenarios each socle selected: the merge judges a socle only when
    all of them ended, as a serial run does (`build_results`, expected_by_socle)."""
    order = ["t.py::a", "t.py::b", "u.py::c"]
    for ended, verdict in ((order[:2], "incomplete"), (order, "fail")):
        out = tmp_path / str(len(ended)) / "run"
        gw0 = recorder(out / "workers" / "gw0")
        (out / "workers" / "gw0" / PLAN_FILE).write_text(json.dumps({"expected_by_socle": {SOCLE: 3}}))
        for i, nodeid in enumerate(ended):
            scenario(gw0, nodeid, rid(i), Verdict.PASS, [])
            gw0.end(nodeid, "passed", 0.1)
        gw0.finish("interrupted")

        results = merge_run(recorder(out), out / "workers", order, "interrupted")

        assert results["status"] == "interrupted" and results["socles"][SOCLE]["verdict"] == verdict


def test_a_worker_killed_before_its_results_caught_up_loses_no_ended_scenario(tmp_path: Path) -> None:
    """results.json lags scenarios.jsonl by at most recorder.WRITE_EVERY: a worker killed in that window
    still has its ended scenario merged, from the log."""
    out = tmp_path / "run"
    gw0 = recorder(out / "workers" / "gw0")
    before = (out / "workers" / "gw0" / "results.json").read_bytes()  # written before any scenario ended
    scenario(gw0, "t.py::a", rid(0), Verdict.PASS, ["a1"])
    gw0.end("t.py::a", "passed", 0.1)
    gw0.settle([])  # the kill: no further write of its own
    (out / "workers" / "gw0" / "results.json").write_bytes(before)

    results = merge_run(recorder(out), out / "workers", ["t.py::a"], "interrupted")

    scenarios = results["socles"][SOCLE]["scenarios"]
    assert [(s["id"], s["outcome"]) for s in scenarios] == [("t.py::a", "passed")]
    assert results["socles"][SOCLE]["requirements"][rid(0)]["verdict"] == "pass"
    merged_log = [json.loads(line)["id"] for line in (out / "scenarios.jsonl").read_text().splitlines()]
    assert merged_log == ["t.py::a"]
