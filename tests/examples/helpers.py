"""Running the examples a vendor copies, as a vendor would: compiled with the JDK, started, driven over HTTP."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
BIN = Path(sys.executable).parent


def jdk() -> tuple[str, str]:
    javac, java = shutil.which("javac"), shutil.which("java")
    if not javac or not java:
        pytest.skip("no JDK (javac, java) on PATH: the Java bridge sample is not compiled")
    return javac, java


def compile_java_bridge(classes: Path) -> None:
    javac, _ = jdk()
    sources = sorted(str(p) for p in (EXAMPLES / "java-bridge" / "src").rglob("*.java"))
    done = subprocess.run(
        [javac, "--release", "17", "-Xlint:all", "-Werror", "-d", str(classes), *sources],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr


@contextmanager
def java_bridge(classes: Path) -> Iterator[str]:
    """The compiled bridge on a free loopback port; its base URL. Stopped (by its own pid) afterwards."""
    _, java = jdk()
    proc = subprocess.Popen(
        [java, "-cp", str(classes), "dui.bridge.Bridge", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "listening on http://127.0.0.1:" in line, line
        yield line.strip().rsplit(" ", 1)[-1]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
