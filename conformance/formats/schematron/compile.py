"""Turning a pack's .sch into an executable XSLT with the pack's own engine, once, then caching it.

TestContenuCDA compiles a schematron in three Saxon passes of its ISO engine (`moteur/`:
include -> abstract expansion -> SVRL compile), each a separate JVM, for every document. Here the
passes run in-process through saxonche, the resulting XSLT is kept on disk under a key that hashes
everything the result depends on (the engine stylesheets, the .sch and every file it includes,
where the pack lives), and the compiled executable is kept in memory: a batch compiles each
schematron at most once, and a later process only re-reads the XSLT.

The compiled XSLT is loaded with the .sch's own location as its base URI, exactly as if it had
been written beside the .sch as the ANS scripts do, so the pack's relative paths to its value
sets (`'../jeuxDeValeurs/...'`, `include/voc-...xml`) resolve as they do there.

Two emulations of the platform the ANS pack is authored and run on (Windows, Saxon 9 HE), both on
the `include`s of the top-level .sch, so that a schematron compiles here exactly when it does there:
- an include whose case differs from the file on disk (e.g. `E_directiveAnticipee_int.sch` for
  `E_directiveanticipee_int.sch` in profils/IHE.sch) is pointed at the existing file;
- an include of a file absent from the pack is left out. The ANS engine expects it ("Unable to open
  referenced included file") and goes on under Saxon 9, where a failed document() is a recoverable
  XSLT 2.0 error; Saxon 12+ (XSLT 3.0) would stop instead. The runner reports each one as a warning.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree
from saxonche import PySaxonApiError, PySaxonProcessor

from conformance.formats.schematron.pack import ENGINE, Pack, Schematron
from conformance.paths import user_cache

COMPILER_VERSION = "2"  # bump when the way an XSLT is produced changes
SCH_NS = "http://purl.oclc.org/dsdl/schematron"
_HREF = re.compile(rb'<(?:[\w-]+:)?(?:include|extends)\b[^>]*?\bhref\s*=\s*["\']([^"\']+)["\']')


class SchematronError(RuntimeError):
    """A schematron could not be compiled or run; the message says which and why, in one line."""


@dataclass
class CompileStats:
    """Counters that let tests and the bench see the caches work (no timing involved)."""

    compiled: int = 0  # .sch turned into XSLT through the pack's engine (the slow path)
    disk_hits: int = 0  # XSLT read back from the disk cache
    memory_hits: int = 0  # executable reused within this process


STATS = CompileStats()
_EXECUTABLES: dict[str, Any] = {}
_FAILED: dict[str, str] = {}
_KEYS: dict[Path, str] = {}
_MISSING: dict[Path, list[str]] = {}


def default_cache_dir() -> Path:
    """$CONFORMANCE_SCHEMATRON_CACHE, else $XDG_CACHE_HOME/dui-conformance/schematron, else ~/.cache/..."""
    return user_cache("schematron", "CONFORMANCE_SCHEMATRON_CACHE")


@cache
def processor() -> PySaxonProcessor:
    """One Saxon processor per process (SaxonC's advice); only file: URIs may be dereferenced."""
    proc = PySaxonProcessor(license=False)
    proc.set_configuration_property("http://saxon.sf.net/feature/allowedProtocols", "file")
    return proc


def reset_memory() -> None:
    """Forget the in-process executables (tests use it to prove the disk cache is read back)."""
    _EXECUTABLES.clear()
    _FAILED.clear()
    _KEYS.clear()
    _MISSING.clear()


def saxon_message(exc: BaseException) -> str:
    """Saxon's error, on one line and bounded, for a finding or a usage error."""
    text = " ".join(str(exc).split())
    return text[:400] + ("…" if len(text) > 400 else "")


def _resolve(base: Path, href: str) -> Path:
    path = (base.parent / href).resolve()
    if path.exists() or not path.parent.is_dir():
        return path
    same = [p for p in path.parent.iterdir() if p.name.lower() == path.name.lower()]
    return same[0] if same else path


def include_closure(sch: Path) -> list[Path]:
    """The .sch and every file it includes or extends, transitively: what its XSLT depends on."""
    seen: set[Path] = set()
    todo = [sch.resolve()]
    while todo:
        path = todo.pop()
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        todo.extend(_resolve(path, h.decode("utf-8", "replace")) for h in _HREF.findall(path.read_bytes()))
    return sorted(seen)


def cache_key(pack: Pack, sch: Schematron) -> str:
    if sch.path in _KEYS:
        return _KEYS[sch.path]
    h = hashlib.sha256(f"v{COMPILER_VERSION}\0{processor().version}\0{pack.schematrons_dir}\0".encode())
    for path in [*sorted(pack.engine_dir.glob("*.xsl")), *include_closure(sch.path)]:
        h.update(str(path.relative_to(pack.schematrons_dir)).encode() + b"\0" + path.read_bytes() + b"\0")
    _KEYS[sch.path] = h.hexdigest()
    return _KEYS[sch.path]


class Compiler:
    """Executables for a pack's schematrons: memory, then disk cache, then the engine."""

    def __init__(self, pack: Pack, cache_dir: Path | None = None) -> None:
        self.pack = pack
        self.cache_dir = cache_dir or default_cache_dir()
        self._engine: list[Any] | None = None

    def executable(self, sch: Schematron) -> Any:
        key = cache_key(self.pack, sch)
        if key in _FAILED:
            raise SchematronError(_FAILED[key])
        if key in _EXECUTABLES:
            STATS.memory_hits += 1
            return _EXECUTABLES[key]
        try:
            path = self.cache_dir / f"{key}.xsl"
            if path.is_file():
                xslt = path.read_text(encoding="utf-8")
                STATS.disk_hits += 1
            else:
                xslt = self.to_xslt(sch)
                STATS.compiled += 1
                _write_atomically(path, xslt)
            _EXECUTABLES[key] = self._load(xslt, sch)
        except SchematronError as exc:
            _FAILED[key] = str(exc)
            raise
        return _EXECUTABLES[key]

    def to_xslt(self, sch: Schematron) -> str:
        """Include, expand and compile `sch` with the pack's engine; SchematronError on any Saxon error."""
        stages = self._stages()
        try:
            node = self._builder(sch.path).parse_xml(xml_text=prepared(sch.path)[0], encoding="UTF-8")
            for stage in stages[:-1]:
                node = stage.transform_to_value(xdm_node=node).head
            return str(stages[-1].transform_to_string(xdm_node=node))
        except (PySaxonApiError, etree.XMLSyntaxError, OSError) as exc:
            raise SchematronError(
                f"ANS schematron {sch.name} cannot be compiled with the pack's engine: {saxon_message(exc)}"
            ) from exc

    def _stages(self) -> list[Any]:
        if self._engine is None:
            xslt = processor().new_xslt30_processor()
            try:
                self._engine = [xslt.compile_stylesheet(stylesheet_file=str(self.pack.engine_dir / n)) for n in ENGINE]
            except PySaxonApiError as exc:
                raise SchematronError(f"the pack's engine (moteur/) does not compile: {saxon_message(exc)}") from exc
        return self._engine

    def _builder(self, base: Path) -> Any:
        builder = processor().new_document_builder()
        builder.set_base_uri(base.as_uri())
        return builder

    def _load(self, xslt: str, sch: Schematron) -> Any:
        try:
            node = self._builder(sch.path).parse_xml(xml_text=xslt, encoding="UTF-8")
            return processor().new_xslt30_processor().compile_stylesheet(stylesheet_node=node)
        except PySaxonApiError as exc:
            raise SchematronError(
                f"the XSLT compiled from ANS schematron {sch.name} does not load: {saxon_message(exc)}"
            ) from exc


def prepared(sch: Path) -> tuple[str, bool, list[str]]:
    """The top-level .sch as the engine gets it (see the module docstring): (text, whether an
    include's case was fixed, hrefs of the includes left out because the pack lacks their file)."""
    tree = etree.parse(str(sch), etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    fixed = False
    missing = []
    for inc in list(tree.iter(f"{{{SCH_NS}}}include")):
        href = inc.get("href") or ""
        wanted = (sch.parent / href).resolve()
        found = _resolve(sch, href)
        if not found.exists():
            missing.append(href)
            inc.getparent().remove(inc)
        elif found != wanted:
            inc.set("href", href[: len(href) - len(wanted.name)] + found.name)
            fixed = True
    return str(etree.tostring(tree, encoding="unicode")), fixed, missing


def missing_includes(sch: Path) -> list[str]:
    """Includes of `sch` whose file is not in the pack (remembered per process)."""
    if sch not in _MISSING:
        try:
            _MISSING[sch] = prepared(sch)[2]
        except (OSError, etree.XMLSyntaxError):
            _MISSING[sch] = []  # an unreadable .sch is reported by the compilation itself
    return _MISSING[sch]


def _write_atomically(path: Path, text: str) -> None:
    """Best effort: a read-only cache folder costs speed, never correctness."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".xsl")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
