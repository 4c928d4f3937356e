"""Batch work on a Dask distributed cluster: a local cluster of two worker processes gives the verdicts
of the local run (issue 16 acceptance), whether files travel as bytes or as shared paths: artifacts
(`validate --scheduler`) and submitted runs (`verify-batch --scheduler`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.engine.batch_dask import DaskUnavailable, check_workers, connect, fingerprint
from conformance.formats.pki import TestPKI
from tests.cli.conftest import Invoke
from tests.cli.test_verify_batch import submissions
from tests.engine.test_batch import write_sample
from tests.helpers import Run

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A Dask cluster of two worker processes on loopback (one thread each, as docs/scaling.md advises)."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", host="127.0.0.1"
    ) as cluster:
        yield cluster.scheduler_address


def rows(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def verdicts(lines: list[dict[str, Any]]) -> list[tuple[str, str, list[tuple[str, str, str]]]]:
    return [
        (r["file"], r["verdict"], [(f["requirement"], f["verdict"], f["location"]) for f in r["findings"]])
        for r in lines[:-1]
    ]


@pytest.mark.parametrize("shared", [False, True], ids=["bytes-shipped", "shared-files"])
def test_cluster_gives_the_local_verdicts(cli: Invoke, tmp_path: Path, scheduler: str, shared: bool) -> None:
    sample = write_sample(tmp_path)
    at = ("--at", "2026-11-20T10:00:00Z")  # a fixed reference time: the output names it (no wall clock)
    local = cli("validate", "--jsonl", *at, *sample)
    remote = cli("validate", "--jsonl", *at, "--scheduler", scheduler, *(["--shared-files"] if shared else []), *sample)
    assert remote.exit_code == local.exit_code == 1, remote.output
    assert verdicts(rows(remote.stdout)) == verdicts(rows(local.stdout))
    assert rows(remote.stdout)[-1] == rows(local.stdout)[-1]  # the same summary
    assert remote.stdout == local.stdout


def test_cluster_on_the_corpus(cli: Invoke, corpus: Path, scheduler: str) -> None:
    local = cli("validate", "--jsonl", corpus / "cda", corpus / "xdm")
    remote = cli("validate", "--jsonl", "--scheduler", scheduler, corpus / "cda", corpus / "xdm")
    assert remote.exit_code == local.exit_code
    assert verdicts(rows(remote.stdout)) == verdicts(rows(local.stdout))


def test_workers_are_prepared_once_each(cli: Invoke, tmp_path: Path, scheduler: str) -> None:
    cli("validate", "--jsonl", "--scheduler", scheduler, *write_sample(tmp_path))
    with distributed.Client(scheduler) as client:
        prepared = client.run(lambda: __import__("conformance.engine.batch", fromlist=["_SETTINGS"])._SETTINGS)
    assert len(prepared) == 2 and all(s is not None for s in prepared.values())


def test_a_worker_of_another_version_is_refused() -> None:
    class Cluster:
        def __init__(self, found: dict[str, Any]) -> None:
            self.found = found

        def run(self, fn: Any) -> dict[str, Any]:
            return self.found

        def nthreads(self) -> dict[str, int]:
            return dict.fromkeys(self.found, 1)

    mine = fingerprint()
    assert check_workers(Cluster({"tcp://a": mine, "tcp://b": mine})) == 2
    other = {**mine, "harness": "0.0.0"}
    with pytest.raises(DaskUnavailable, match="tcp://b runs"):
        check_workers(Cluster({"tcp://a": mine, "tcp://b": other}))
    with pytest.raises(DaskUnavailable, match="no worker"):
        check_workers(Cluster({}))


def test_an_unreachable_scheduler_is_a_usage_error() -> None:
    with pytest.raises(DaskUnavailable, match="cannot reach the Dask scheduler"):
        connect("tcp://127.0.0.1:9", timeout="1s")


@pytest.mark.parametrize("shared", [False, True], ids=["bytes-shipped", "shared-files"])
def test_submissions_judged_on_the_cluster(
    cli: Invoke, demo_run: Run, tmp_path: Path, scheduler: str, shared: bool, session_pki: TestPKI
) -> None:
    """A body checking the runs the grappes submitted: the cluster's verdicts are the local ones; shipped as
    bytes, each intact submission is re-judged on a worker (`--rejudge`), requirement by requirement."""
    inbox = submissions(demo_run, tmp_path)
    given = ("--trust", str(session_pki.root_cert), *(["--shared-files"] if shared else ["--rejudge"]))
    local = cli("verify-batch", "--jsonl", *[g for g in given if g != "--shared-files"], inbox)
    remote = cli("verify-batch", "--jsonl", "--scheduler", scheduler, *given, inbox)
    assert remote.exit_code == local.exit_code == 1, remote.output
    assert remote.stdout == local.stdout
    rows = [json.loads(line) for line in remote.stdout.splitlines()[:-1]]
    assert [r["status"] for r in rows] == ["valid", "valid", "invalid"]
    if not shared:
        assert all(r["rejudged"]["contradicted"] == [] and r["rejudged"]["confirmed"] > 0 for r in rows[:2])
