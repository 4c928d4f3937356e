"""`engine.parallel_plan`: the modules' last times kept after a parallel run, and the order they are handed out
in (longest first; unknown modules by their count at the mean time per scenario)."""

from __future__ import annotations

from pathlib import Path

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
    assert parallel_plan.load(path) == {"test_cancel.py": 0.125, "test_feed.py": 0.5}
    path.write_text("[not a plan")
    assert parallel_plan.load(path) == {}
    path.write_text('{"a.py": "slow", "b.py": -1, "c.py": 2}')
    assert parallel_plan.load(path) == {"c.py": 2.0}
