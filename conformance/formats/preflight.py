"""Apache PDFBox Preflight, a real PDF/A-1b validator, run beside the harness's own PDF/A rules.

`--pdfa-validator preflight` (run and validate) finds Preflight where Debian's `libpdfbox2-java` puts it
(/usr/share/java, or the folder in $CONFORMANCE_PDFBOX_JARS) with the jars it needs at run time
(`libactivation-java`, `libjaxb-api-java`); `--pdfa-validator PATH` takes a folder of those jars or the
standalone `preflight-app-<version>.jar`. Each PDF is written to a private temporary folder, validated by
`org.apache.pdfbox.preflight.Validator_A1b xml` in a JVM with a time limit, and the XML report is read with
the hardened parser. A verdict is recorded as it came (valid, or the error codes and details); a
validator that cannot run says why, and never passes a file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from conformance.formats.xmlsafe import XmlRefused, parse_xml

MAIN = "org.apache.pdfbox.preflight.Validator_A1b"
DEBIAN_JARS = Path("/usr/share/java")
# jar (Debian name) -> what provides it: the Preflight jar and what it loads at run time
NEEDED = {
    "preflight.jar": "libpdfbox2-java",
    "pdfbox2.jar": "libpdfbox2-java",
    "fontbox2.jar": "libfontbox2-java",
    "xmpbox.jar": "libpdfbox2-java",
    "commons-logging.jar": "libcommons-logging-java",
    "javax.activation.jar": "libactivation-java",
    "jaxb-api.jar": "libjaxb-api-java",
}
TIMEOUT_S = 120.0
MAX_REPORTED = 30


class PreflightUnavailable(RuntimeError):
    """Preflight was asked for but cannot be found or started: a usage error of the option."""


@dataclass(frozen=True)
class ExternalVerdict:
    """What the external validator said: `valid` None means it could not judge (`failure` says why)."""

    tool: str
    valid: bool | None
    errors: tuple[tuple[str, str], ...] = ()  # (code, details), as the tool wrote them
    failure: str = ""

    def summary(self, limit: int = 6) -> str:
        shown = "; ".join(f"{code} {details}" for code, details in self.errors[:limit])
        more = f" (+{len(self.errors) - limit})" if len(self.errors) > limit else ""
        return shown + more


@dataclass(frozen=True)
class Preflight:
    classpath: tuple[Path, ...]
    version: str
    java: str = "java"
    timeout: float = TIMEOUT_S

    @property
    def label(self) -> str:
        return f"Apache PDFBox Preflight {self.version}".strip()

    def command(self, pdf: Path, cache: Path) -> list[str]:
        return [
            self.java,
            # one short-lived JVM per PDF: the client compiler only and the serial collector start it with a third
            # less CPU (0.54 s instead of 0.78 s for a copy); a JVM without these HotSpot options ignores them
            "-XX:+IgnoreUnrecognizedVMOptions",
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-Djava.awt.headless=true",
            f"-Dpdfbox.fontcache={cache}",  # PDFBox's font cache goes to the private folder, not $HOME
            "-cp",
            os.pathsep.join(str(p) for p in self.classpath),
            MAIN,
            "xml",
            str(pdf),
        ]

    def validate(self, data: bytes) -> ExternalVerdict:
        with tempfile.TemporaryDirectory(prefix="dui-preflight-") as tmp:
            pdf = Path(tmp) / "document.pdf"
            pdf.write_bytes(data)
            try:
                done = subprocess.run(
                    self.command(pdf, Path(tmp)),
                    capture_output=True,
                    timeout=self.timeout,
                    check=False,
                    stdin=subprocess.DEVNULL,
                )
            except subprocess.TimeoutExpired:
                return ExternalVerdict(self.label, None, failure=f"no answer within {self.timeout:.0f} s")
            except OSError as exc:
                return ExternalVerdict(self.label, None, failure=f"cannot start {self.java}: {exc}")
        return parse_report(self.label, done.stdout, done.stderr)


def parse_report(tool: str, stdout: bytes, stderr: bytes = b"") -> ExternalVerdict:
    """Preflight's XML report (`<preflight><isValid>…</isValid><errors><error><code>…`) as a verdict."""
    start = stdout.find(b"<?xml")
    if start < 0:
        start = stdout.find(b"<preflight")
    if start < 0:
        tail = (stderr or stdout).decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        return ExternalVerdict(tool, None, failure=f"no report: {tail[0][:200]}")
    try:
        root = parse_xml(stdout[start:])
    except XmlRefused as exc:
        return ExternalVerdict(tool, None, failure=f"unreadable report: {exc}")
    valid = (root.findtext("isValid") or "").strip().lower()
    errors = tuple(
        ((e.findtext("code") or "").strip(), " ".join((e.findtext("details") or "").split())[:300])
        for e in root.iter("error")
    )[:MAX_REPORTED]
    if valid not in ("true", "false"):
        exc_text = " ".join((root.findtext("exceptionThrown/message") or root.findtext(".//message") or "").split())
        return ExternalVerdict(tool, None, errors, failure=exc_text[:200] or "no isValid in the report")
    return ExternalVerdict(tool, valid == "true", errors)


def _version(jar: Path) -> str:
    """The version in the jar's name, or in a sibling `preflight-<version>.jar` (Debian's links)."""
    names = [jar.name, *(p.name for p in jar.parent.glob("preflight-*.jar") if p.resolve() == jar.resolve())]
    for name in names:
        stem = name.removesuffix(".jar")
        for prefix in ("preflight-app-", "preflight-"):
            if stem.startswith(prefix) and stem[len(prefix) :][:1].isdigit():
                return stem[len(prefix) :]
    return ""


def find(spec: str) -> Preflight:
    """`preflight` (Debian's jars, or $CONFORMANCE_PDFBOX_JARS), a folder of jars, or a preflight-app jar."""
    java = shutil.which("java")
    if java is None:
        raise PreflightUnavailable("no java on PATH (Apache PDFBox Preflight needs a Java runtime)")
    path = Path(spec)
    if spec != "preflight" and path.is_file() and path.suffix == ".jar":
        return Preflight((path,), _version(path), java)
    folder = path if spec != "preflight" else Path(os.environ.get("CONFORMANCE_PDFBOX_JARS") or DEBIAN_JARS)
    if not folder.is_dir():
        raise PreflightUnavailable(f"{folder}: no such folder of PDFBox jars")
    missing = [f"{jar} ({pkg})" for jar, pkg in NEEDED.items() if not (folder / jar).is_file()]
    if missing:
        raise PreflightUnavailable(
            f"Apache PDFBox Preflight is not complete in {folder}: missing {', '.join(missing)}; on Debian: "
            "apt-get install libpdfbox2-java libactivation-java libjaxb-api-java"
        )
    return Preflight(tuple(folder / jar for jar in NEEDED), _version(folder / "preflight.jar"), java)


_ACTIVE: list[Preflight] = []


def configure(spec: str | None) -> None:
    """Set (or, with None/"" / "none", clear) the process's external PDF/A validator; PreflightUnavailable
    when it cannot be found."""
    _ACTIVE.clear()
    if spec and spec != "none":
        _ACTIVE.append(find(spec))


def active() -> Preflight | None:
    return _ACTIVE[0] if _ACTIVE else None
