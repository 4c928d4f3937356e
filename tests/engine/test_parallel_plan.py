"""`engine.parallel_plan`: the modules' last times kept after a parallel run, the order they are handed out in
(longest first; unknown modules by their count at the mean time per scenario) and the socles each worker takes
first (`engine.parallel.ScenarioScheduling`)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from conformance.engine import parallel_plan


def test_longest_first_by_known_times_then_by_count() -> None:
    scopes = {"test_feed.py": 48, "test_cross_socle.py": 2, "test_headers.py": 9, "test_new.py": 4}
    known = {"test_feed.py": 1.2, "test_cross_socle.py": 0.7, "test_headers.py": 0.09}
    # mean per scenario of the known: (1.2/48 + 0.7/2 + 0.09/9) / 3 = 0.128...; test_new.py: 4 x that = 0.51
    assert parallel_plan.longest_first(scopes, known) == [
        "test_feed.py",
        "test_cross_socle.py",
        "test_new.py",
        "test_headers.py",
    ]
    # nothing known: by count (xdist's own rule), names breaking ties
    assert parallel_plan.longest_first({"b.py": 2, "a.py": 2, "c.py": 5}, {}) == ["c.py", "a.py", "b.py"]


def test_times_are_kept_per_module_and_a_bad_file_is_no_plan(tmp_path: Path) -> None:
    path = tmp_path / "durations" / "modules.json"
    assert parallel_plan.load(path) == {}
    parallel_plan.save(
        [
            {"id": "test_feed.py::test_a[x]", "duration": 0.5},
            {"id": "test_feed.py::test_b", "duration": 0.25},
            {"id": "test_cancel.py::test_c", "duration": 0.125},
            {"name": "no id"},
        ],
        path,
    )
    assert parallel_plan.load(path) == {"test_feed.py": 0.75, "test_cancel.py": 0.125}
    parallel_plan.save([{"id": "test_feed.py::test_a[x]", "duration": 0.5}], path)  # a later, partial run
    assert parallel_plan.load(path) == {"test_cancel.py": 0.125, "test_feed.py": 0.625}  # (0.75 + 0.5) / 2
    path.write_text("[not a plan")
    assert parallel_plan.load(path) == {}
    path.write_text('{"a.py": "slow", "b.py": -1, "c.py": 2}')
    assert parallel_plan.load(path) == {"c.py": 2.0}


def test_expected_seconds_are_the_last_times_or_the_count_at_the_mean() -> None:
    expected = parallel_plan.expected_seconds({"a.py": 2, "b.py": 4}, {"a.py": 1.0})
    assert expected == {"a.py": 1.0, "b.py": 2.0}  # 0.5 s per scenario of the known, times 4


def test_socles_go_heaviest_first_to_the_least_loaded_worker() -> None:
    loads = {"eprescription": 2.8, "mssante": 1.7, "dmp": 1.5}
    assert parallel_plan.socle_groups(loads, 2) == [{"eprescription"}, {"mssante", "dmp"}]
    assert parallel_plan.socle_groups(loads, 3) == [{"eprescription"}, {"mssante"}, {"dmp"}]
    assert parallel_plan.socle_groups(loads, 4)[3] == set()  # more workers than socles: the last prefers none
    assert parallel_plan.socle_groups({"dmp": 1.0}, 2) == [{"dmp"}, set()]
    assert parallel_plan.socle_groups(loads, 0) == []


class Node:
    """What `ScenarioScheduling` asks of an xdist worker controller: scenarios sent by index, a shutdown."""

    def __init__(self, name: str) -> None:
        self.gateway = SimpleNamespace(id=name)
        self.sent: list[int] = []
        self.shutting_down = False

    def send_runtest_some(self, indices: list[int]) -> None:
        self.sent.extend(indices)

    def shutdown(self) -> None:
        self.shutting_down = True


class Config:
    option = SimpleNamespace(loadscopereorder=True)

    def getvalue(self, name: str) -> Any:
        return ["popen", "popen"] if name == "tx" else None


def test_each_worker_takes_its_own_socles_first_then_the_longest_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The socles' modules, longest first, with a node per socle group: each node is handed its own socles'
    modules first (two at a time, as xdist's scope scheduling prefetches) and, once they are gone, the longest
    module left of any socle."""
    from conformance.engine.parallel import ScenarioScheduling

    cache = tmp_path / "modules.json"
    monkeypatch.setenv("CONFORMANCE_DURATIONS_CACHE", str(tmp_path))
    times = {"ep_a.py": 2.0, "ep_b.py": 0.5, "dmp_a.py": 1.0, "mss_a.py": 0.6, "mss_b.py": 0.3, "mss_c.py": 0.2}
    cache.write_text(json.dumps(times))
    socle_of = {m: {"ep": "eprescription", "dmp": "dmp", "mss": "mssante"}[m.split("_")[0]] for m in times}
    collection = [f"{m}::test_{i}" for m in sorted(times) for i in range(2)]
    sched = ScenarioScheduling(Config(), None, socle_of)  # type: ignore[arg-type]
    first, second = Node("gw0"), Node("gw1")
    for node in (first, second):
        sched.add_node(node)  # type: ignore[arg-type]
        sched.add_node_collection(node, collection)  # type: ignore[arg-type]
    sched.schedule()

    def modules(node: Node) -> list[str]:
        return list(dict.fromkeys(parallel_plan.module_of(collection[i]) for i in node.sent))

    # e-prescription (2.5 s) to the first, dmp + mssante (2.1 s) to the second
    assert modules(first) == ["ep_a.py", "ep_b.py"] and modules(second) == ["dmp_a.py", "mss_a.py"]
    for i in list(first.sent):  # the first is done: nothing of its own left, it takes the longest left
        sched.mark_test_complete(first, i)  # type: ignore[arg-type]
    assert modules(first)[2:] == ["mss_b.py", "mss_c.py"]
    assert not sched.workqueue


def test_modules_are_named_with_their_socle() -> None:
    from conformance.engine.parallel import modules_by_socle

    found = modules_by_socle(["dmp", "eprescription"])
    assert found["test_feed.py"] == "dmp" and found["test_cross_socle.py"] == "eprescription"
    assert "test_receipts.py" not in found  # an MSSanté module: not a socle of this run
