"""Shared fixtures of the harness's own tests."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

# Imported before any in-process pytester run: pytester restores sys.modules after each inner run,
# and a re-imported `cryptography` Python layer no longer matches its Rust classes.
import conformance.certificate.issue  # noqa: F401
import conformance.certificate.verify  # noqa: F401
from conformance.certificate.sign import installation_signer
from tests.helpers import Run, shared_root, shared_run

if TYPE_CHECKING:
    from conformance.formats.pki import TestPKI

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
# the solution the shared demo run declares (what the certificate tests read back)
DEMO_SOLUTION = {"name": "DUI Essai", "version": "4.2.1", "vendor": "Éditeur Essai"}


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is absent")
    return CORPUS


@pytest.fixture(scope="session", autouse=True)
def session_pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestPKI]:
    """One test PKI for the whole test session (every xdist worker), made once and used by every run the
    tests start, in process or not ($CONFORMANCE_PKI_DIR): the tests never touch the user's own cache."""
    from conformance.formats.pki import TestPKI

    root = shared_root(tmp_path_factory)
    pki = TestPKI.load_or_create(root / "pki")  # concurrent creation is safe
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CONFORMANCE_PKI_DIR", str(pki.directory))
        # the installation's auto-attestation key of every run the tests start: theirs, never the user's,
        # made once under a lock (two workers creating it at once would each write half of it)
        patch.setenv("XDG_CONFIG_HOME", str(root / "xdg-config"))
        with (root / "xdg-config.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            installation_signer()
        yield pki


def demo_options(pki: TestPKI) -> tuple[str, ...]:
    """The demo runs' options: the solution above, an English copy, signed with the test PKI's cachet (so a
    verifier trusting the test root answers `valid`)."""
    return (
        "--solution-name",
        DEMO_SOLUTION["name"],
        "--solution-version",
        DEMO_SOLUTION["version"],
        "--solution-vendor",
        DEMO_SOLUTION["vendor"],
        "--lang",
        "en",
        "--sign-key",
        str(pki.signing_key),
        "--sign-cert",
        str(pki.signing_cert),
    )


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory, session_pki: TestPKI) -> Run:
    """One serial run of every installed socle with the reference DUI, made once for the whole test
    session (all xdist workers) and shared by the tests that only read its folder: never write into it."""
    return shared_run(tmp_path_factory, "demo-all", "--dui", "demo", *demo_options(session_pki))


# Seconds the heaviest modules of this suite take in all (pytest --durations=0 with 3 xdist workers on the
# 2-core machine, 2026-12-05), for laying out the collection below; a module absent here counts as light.
HEAVY = {
    "tests/test_sensitivity.py": 434,  # 134 independent full runs: spread item by item
    "tests/engine/capture/test_sandbox_run.py": 69,
    "tests/engine/capture/test_imports.py": 44,
    "tests/certificate/test_browser.py": 36,
    "tests/cli/test_dask.py": 36,
    "tests/dossier/test_acceptance.py": 35,
    "tests/engine/test_parallel.py": 28,
    "tests/socles/dmp/test_suite.py": 26,
    "tests/socles/eprescription/test_suite_run.py": 24,
    "tests/certificate/test_forgeries.py": 24,
    "tests/drivers/test_manual_run.py": 24,
    "tests/dossier/test_compare.py": 18,
    "tests/formats/test_pdfa.py": 17,
    "tests/drivers/test_console_browser.py": 16,
    "tests/examples/test_java_bridge.py": 15,
    "tests/mutations/test_mutations.py": 14,
    "tests/certificate/test_runs.py": 13,
}
SPREAD = "tests/test_sensitivity.py"
LIGHT = 0.2  # seconds, an average light test


def _module(item: pytest.Item) -> str:
    return item.nodeid.split("::", 1)[0]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`--dist worksteal`), order the collection so that each worker's first block starts
    with its share of the heavy modules, largest first (a long test started last made the run's tail).

    Work stealing hands worker k the k-th contiguous block of the collection and later moves the tail of the
    longest queue to an idle worker: each block here is a bin of whole heavy modules (their module fixtures
    are paid once), then its share of the sensitivity runs, then light tests, with bins of the sizes the
    scheduler cuts. Only the order changes: every worker still collects the same items."""
    workers = int(getattr(config, "workerinput", {}).get("workercount", 0))
    if workers < 2 or len(items) < workers:
        return
    modules: dict[str, list[pytest.Item]] = {}
    for item in items:
        modules.setdefault(_module(item), []).append(item)
    bins: list[list[pytest.Item]] = [[] for _ in range(workers)]
    load = [0.0] * workers

    def lightest() -> int:
        return min(range(workers), key=lambda i: (load[i], len(bins[i])))

    for name in sorted((m for m in modules if m in HEAVY and m != SPREAD), key=lambda m: -HEAVY[m]):
        i = lightest()
        bins[i].extend(modules[name])
        load[i] += HEAVY[name]
    spread = modules.get(SPREAD, [])
    for item in spread:
        i = lightest()
        bins[i].append(item)
        load[i] += HEAVY[SPREAD] / len(spread)
    sizes, left = [], len(items)
    for k in range(workers):  # as the scheduler cuts: len(pending) // workers still to serve
        sizes.append(left // (workers - k))
        left -= sizes[-1]
    light = [item for name, group in modules.items() if name not in HEAVY for item in group]
    for item in light:  # fill the bins up to their sizes, the emptiest (in load) first
        open_bins = [i for i in range(workers) if len(bins[i]) < sizes[i]] or list(range(workers))
        i = min(open_bins, key=lambda b: load[b])
        bins[i].append(item)
        load[i] += LIGHT
    order: list[int] = []
    for size in sizes:  # the bin whose length is the size of the block the scheduler cuts next
        unused = [b for b in range(workers) if b not in order]
        order.append(next((b for b in unused if len(bins[b]) == size), unused[0]))
    items[:] = [item for b in order for item in bins[b]]
