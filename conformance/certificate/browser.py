"""A real browser (headless Chromium) renders the certificate to PDF or to a screenshot.

The PDF is Chromium's own print of the very HTML file, so it looks the same as on screen and in
the A4 print layout. Chromium is a system package (Debian `chromium`); without it the export
says so clearly instead of producing a lookalike.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--run-all-compositor-stages-before-draw",
)


class BrowserUnavailable(RuntimeError):
    pass


def find_browser() -> str | None:
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _run(args: list[str], output: Path, timeout: float) -> Path:
    browser = find_browser()
    if browser is None:
        raise BrowserUnavailable("no Chromium found (install the Debian package 'chromium')")
    with tempfile.TemporaryDirectory(prefix="dui-conformance-chromium-") as profile:
        cmd = [browser, *FLAGS, f"--user-data-dir={profile}", *args]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise BrowserUnavailable(f"Chromium did not finish within {timeout:.0f} s") from exc
    if not output.exists() or output.stat().st_size == 0:
        raise BrowserUnavailable(f"Chromium produced no {output.suffix} (exit {proc.returncode}): {proc.stderr[-500:]}")
    return output


def print_pdf(html: Path, pdf: Path, timeout: float = 60.0) -> Path:
    pdf.unlink(missing_ok=True)
    return _run([f"--print-to-pdf={pdf.resolve()}", "--no-pdf-header-footer", html.resolve().as_uri()], pdf, timeout)


def screenshot(html: Path, png: Path, width: int = 1000, height: int = 1300, timeout: float = 60.0) -> Path:
    png.unlink(missing_ok=True)
    return _run(
        [f"--screenshot={png.resolve()}", f"--window-size={width},{height}", html.resolve().as_uri()], png, timeout
    )
