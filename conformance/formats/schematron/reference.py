"""The way TestContenuCDA runs a schematron, kept to compare verdicts and speed with ours.

Its script `schematrons/moteur/compilverif.bat` runs, for every schematron and every document,
four `java -cp saxon9he.jar net.sf.saxon.Transform` processes: include (colle.sch), abstract
expansion (concret.sch), SVRL compilation (the .xsl written beside the .sch) and the check of the
document itself. This mirrors it with the Java Saxon-HE of Debian (`libsaxonhe-java`) on the same
pack: the compiled .xsl is written beside the .sch under a scratch name and removed afterwards, and
a top-level .sch whose includes need Windows' case-insensitivity gets the same fix as ours (a
scratch copy beside it, which also leaves out the includes of absent files, as Saxon 9 does itself),
so both sides judge the same rules.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from conformance.formats.schematron.compile import prepared
from conformance.formats.schematron.pack import ENGINE, Pack, Schematron

JAR_CANDIDATES = ("/usr/share/java/Saxon-HE.jar", "/usr/share/java/saxon9he.jar", "/usr/share/java/Saxon-HE-9.9.jar")


class ReferenceUnavailable(RuntimeError):
    """No java on PATH or no Saxon-HE jar: the reference half cannot run."""


def saxon_jar() -> Path:
    """$CONFORMANCE_SAXON_JAR, else the jar of Debian's libsaxonhe-java; java must be on PATH."""
    if shutil.which("java") is None:
        raise ReferenceUnavailable("no java on PATH (apt-get install default-jre-headless libsaxonhe-java)")
    for candidate in (os.environ.get("CONFORMANCE_SAXON_JAR", ""), *JAR_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise ReferenceUnavailable("no Saxon-HE jar (apt-get install libsaxonhe-java, or set CONFORMANCE_SAXON_JAR)")


def _transform(jar: Path, source: Path, xsl: Path, out: Path) -> None:
    cmd = ["java", "-cp", str(jar), "net.sf.saxon.Transform", f"-s:{source}", f"-xsl:{xsl}", f"-o:{out}"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise RuntimeError(f"java Saxon-HE failed on {source.name} with {xsl.name}: {last}")


def run_like_testcontenucda(pack: Pack, sch: Schematron, document: Path, jar: Path) -> str:
    """The SVRL Java Saxon-HE gives for `document`, compiling `sch` from scratch as compilverif.bat does."""
    engine = [pack.engine_dir / name for name in ENGINE]
    tag = f".dui-conformance-{os.getpid()}-{sch.name}"
    scratch: list[Path] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            source = sch.path
            text, fixed, _ = prepared(sch.path)
            if fixed:  # missing includes need nothing: Saxon 9 skips them itself, with a warning
                source = sch.path.with_name(f"{tag}.sch")
                scratch.append(source)
                source.write_text(text, encoding="utf-8")
            colle, concret = Path(tmp) / "colle.sch", Path(tmp) / "concret.sch"
            xsl = sch.path.with_name(f"{tag}.xsl")
            scratch.append(xsl)
            _transform(jar, source, engine[0], colle)
            _transform(jar, colle, engine[1], concret)
            _transform(jar, concret, engine[2], xsl)
            report = Path(tmp) / "verif.xml"
            _transform(jar, document, xsl, report)
            return report.read_text(encoding="utf-8")
    finally:
        for path in scratch:
            path.unlink(missing_ok=True)
