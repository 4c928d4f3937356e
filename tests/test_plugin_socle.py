"""Proof that a socle is a plug-in: examples/socle-plugin, installed through the entry-point group.

The example is made visible the way pip installs a distribution (a `.dist-info` folder with its
`entry_points.txt` on the path), never by patching the harness, and every front door is exercised on
it in a fresh process: `socles`, `requirements`, `defects`, `validate`, `serve`, `run` and
`pytest --socle=greeting`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "socle-plugin"
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    site = tmp_path_factory.mktemp("site")
    dist = site / "dui_conformance_example_socle-0.1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: dui-conformance-example-socle\nVersion: 0.1.0\n")
    (dist / "entry_points.txt").write_text("[conformance.socles]\ngreeting = example_socle:SOCLE\n")
    paths = [str(site), str(EXAMPLE), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}


def _cli(
    env: dict[str, str], *args: str, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "conformance"), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


def test_listed_with_its_catalog_and_defects(env: dict[str, str]) -> None:
    socles = json.loads(_cli(env, "socles", "--json").stdout)
    assert {"socle": "greeting", "requirements": 2} in [
        {"socle": s["socle"], "requirements": s["requirements"]} for s in socles
    ]
    reqs = json.loads(_cli(env, "requirements", "--socle", "greeting", "--json").stdout)
    assert [r["id"] for r in reqs] == ["GRT-01", "GRT-02"]
    defects = json.loads(_cli(env, "defects", "--socle", "greeting", "--json").stdout)
    assert [(d["defect"], d["requirement"]) for d in defects] == [("greeting-hello", "GRT-01")]


def test_validate_recognises_and_judges_its_kind(env: dict[str, str], tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_bytes(b"GREETING/1\nBonjour Marie ESSAI\n")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"GREETING/1\nHello Marie ESSAI\n")
    broken = tmp_path / "broken.txt"
    broken.write_bytes(b"GREETING/1\n\xff\xfe\n")
    done = _cli(env, "validate", "--json", str(good), str(bad), str(broken))
    assert done.returncode == 1, done.stderr
    results = {Path(r["file"]).name: r for r in json.loads(done.stdout)}
    assert {name: (r["kind"], r["verdict"]) for name, r in results.items()} == {
        "good.txt": ("greeting", "pass"),
        "bad.txt": ("greeting", "fail"),
        "broken.txt": ("greeting", "fail"),
    }
    failing = [(f["requirement"], f["message_fr"]) for f in results["broken.txt"]["findings"] if f["verdict"] == "fail"]
    assert failing and all(rid == "GRT-01" and "UTF-8" in fr for rid, fr in failing)


def test_serve_runs_its_service(env: dict[str, str], tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [str(BIN / "conformance"), "serve", "--socle", "greeting", "--out", str(tmp_path / "serve")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # Ctrl-C as a terminal sends it: a test session started in the background (CI) ignores SIGINT, and
        # its children would inherit that (Python then never raises KeyboardInterrupt)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert proc.stdout is not None
        line = ""
        deadline = time.monotonic() + 60
        while "POST " not in line and time.monotonic() < deadline:
            line = proc.stdout.readline()
        url = line.split("POST ", 1)[1].strip()
        with urllib.request.urlopen(urllib.request.Request(url, data=b"GREETING/1\nBonjour\n"), timeout=10) as r:
            assert r.status == 201
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()  # a serve that ignores Ctrl-C still fails the test, but is not left running
            proc.wait()
            raise
    recorded = [p for p in (tmp_path / "serve" / "evidence").iterdir() if "greeting" in p.name]
    assert [p.read_bytes() for p in recorded] == [b"GREETING/1\nBonjour\n"]


def test_run_passes_the_reference_dui_and_fails_its_defect(env: dict[str, str], tmp_path: Path) -> None:
    good = _cli(env, "run", "--socle", "greeting", "--dui", "demo", "--out", str(tmp_path / "good"))
    assert good.returncode == 0, good.stdout + good.stderr
    results = json.loads((tmp_path / "good" / "results.json").read_text())
    assert results["socles"]["greeting"]["requirements"]["GRT-01"]["verdict"] == "pass"
    assert (tmp_path / "good" / "certificate.html").is_file()
    bad = _cli(env, "run", "--socle", "greeting", "--dui", "demo:greeting-hello", "--out", str(tmp_path / "bad"))
    assert bad.returncode == 1
    verdicts = json.loads((tmp_path / "bad" / "results.json").read_text())["socles"]["greeting"]["requirements"]
    assert {rid: q["verdict"] for rid, q in verdicts.items()} == {"GRT-01": "fail", "GRT-02": "pass"}


def test_pytest_front_door(env: dict[str, str], tmp_path: Path) -> None:
    done = subprocess.run(
        [str(BIN / "pytest"), "-q", "-p", "no:cacheprovider", "--socle=greeting", "--out", str(tmp_path / "run")],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["socles"]["greeting"]["verdict"] == "pass"
