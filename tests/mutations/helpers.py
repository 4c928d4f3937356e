"""The mutation corpus: the demo's own artifacts, and single-defect variants of them.

`Base` is one artifact the demo DUI produced in a run (taken from the run's evidence journal, with
its capture time and, for an HTTP body, its Content-Type). A `Mutation` makes one realistic vendor
mistake in a copy of a base and names the requirement that must then fail. Mutations are registered
with `@mutation(base, requirement, name, description)` in the modules of this package (one per
socle: `dmp.py`, `mssante.py`; another socle adds its own module, it is found by `load()`), and
bases with `@base(name)`, so that a new artifact kind needs no change here.

Every variant and every unmodified base (the controls) is judged the way `conformance validate`
judges a file: kind sniffed from the bytes, everything it holds expanded, levels applied, with the
test PKI as trust anchors (`--trust --crl`) and the capture time as reference (`--at`).
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import json
import os
import pkgutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from lxml import etree

from conformance.engine.validate import FileResult, validate_bytes
from conformance.formats.pki import TestPKI
from conformance.formats.trust import TrustStore
from conformance.model import CheckContext, Level, Verdict
from conformance.requirements import find_requirement

BIN = Path(sys.executable).parent
DEMO_SOCLES = ("dmp", "mssante")


@dataclass(frozen=True)
class Base:
    """One artifact as the demo made it: what `validate` is given, and when it was captured."""

    name: str  # the base's name in the corpus ("iti41", "email", ...)
    file: str  # the file name validate sees
    data: bytes
    at: dt.datetime  # capture time (evidence journal)
    content_type: str = ""  # HTTP Content-Type of a captured body ("" for a file)

    def with_data(self, data: bytes, content_type: str | None = None) -> Base:
        return replace(self, data=data, content_type=self.content_type if content_type is None else content_type)


@dataclass(frozen=True)
class Kit:
    """What a mutation may use besides the base: the test PKI the demo signed with."""

    pki: TestPKI
    bases: dict[str, Base]


Make = Callable[[Base, Kit], Base]


@dataclass(frozen=True)
class Mutation:
    name: str
    base: str
    requirement: str  # the requirement that must fail (warn, when it is a PRECONISATION)
    description: str
    make: Make = field(repr=False, compare=False)


MUTATIONS: dict[str, Mutation] = {}
BASES: dict[str, Callable[[Path, Kit], Base]] = {}


def mutation(base: str, requirement: str, name: str, description: str) -> Callable[[Make], Make]:
    """Register `make(base, kit) -> Base`: a copy of `base` with one defect that must fail `requirement`."""

    def deco(fn: Make) -> Make:
        if name in MUTATIONS:
            raise ValueError(f"two mutations are named {name!r}")
        MUTATIONS[name] = Mutation(name, base, requirement, description, fn)
        return fn

    return deco


def base(name: str) -> Callable[[Callable[[Path, Kit], Base]], Callable[[Path, Kit], Base]]:
    """Register how base `name` is taken from a demo run's evidence folder."""

    def deco(fn: Callable[[Path, Kit], Base]) -> Callable[[Path, Kit], Base]:
        BASES[name] = fn
        return fn

    return deco


def load() -> dict[str, Mutation]:
    """Import every module of this package: each registers its bases and mutations."""
    package = Path(__file__).parent
    for info in pkgutil.iter_modules([str(package)]):
        if info.name not in ("helpers", "generate") and not info.name.startswith("test_"):
            importlib.import_module(f"tests.mutations.{info.name}")
    return MUTATIONS


# -- the demo run --------------------------------------------------------------------------------------


def run_demo(out: Path, pki_dir: Path, socles: tuple[str, ...] = DEMO_SOCLES) -> Path:
    """A complete run of the demo DUI (its evidence is the corpus' source); returns the evidence folder."""
    args = [str(BIN / "conformance"), "run", *[a for s in socles for a in ("--socle", s)], "--dui", "demo"]
    env = {**os.environ, "CONFORMANCE_PKI_DIR": str(pki_dir)}
    proc = subprocess.run([*args, "--out", str(out)], capture_output=True, text=True, timeout=900, env=env)
    evidence = out / "evidence"
    if not (evidence / "index.json").is_file():
        raise RuntimeError(f"the demo run left no evidence:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return evidence


def evidence_entries(evidence: Path) -> list[dict[str, Any]]:
    return list(json.loads((evidence / "index.json").read_text(encoding="utf-8"))["entries"])


def captured(entry: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(str(entry["time"]).replace("Z", "+00:00"))


def first_entry(evidence: Path, kind: str, scenario: str, **meta: str) -> dict[str, Any]:
    """The first evidence entry of `kind` recorded by a scenario whose id starts with `scenario`."""
    for e in evidence_entries(evidence):
        mine = e["kind"] == kind and str(e.get("scenario") or "").startswith(scenario)
        if mine and all(e.get("meta", {}).get(k) == v for k, v in meta.items()):
            return e
    raise LookupError(f"no {kind} evidence from {scenario} {meta} in {evidence}")


def load_bases(evidence: Path, pki: TestPKI) -> dict[str, Base]:
    """Every registered base, each from the same demo run (some derive from others: registration order)."""
    load()
    kit = Kit(pki, {})
    for name, make in BASES.items():
        kit.bases[name] = make(evidence, kit)
    return kit.bases


# -- judging --------------------------------------------------------------------------------------------


def context(b: Base, pki: TestPKI) -> CheckContext:
    """`validate --trust <test IGC-Santé> --crl <its CRL> --at <capture time>`."""
    store = TrustStore.load([pki.ca_bundle], [pki.crl])
    return CheckContext(extra={"trust": store}, at=b.at, at_source="given")


def judge(b: Base, pki: TestPKI) -> FileResult:
    meta = {"content_type": b.content_type} if b.content_type else {}
    return validate_bytes(b.file, b.data, context(b, pki), meta=meta)


def failing(result: FileResult) -> set[str]:
    """Requirements with a failure, or with a warning when they are PRECONISATIONs (a failed "should")."""
    out = {f.requirement for f in result.findings if f.verdict is Verdict.FAIL}
    for f in result.findings:
        req = find_requirement(f.requirement)
        should = req is not None and req.level is Level.PRECONISATION
        # a failure the catalog level turned into a warning (its message says so), not a check's own warning
        if f.verdict is Verdict.WARN and should and "PRECONISATION" in f.message_en:
            out.add(f.requirement)
    return out


# -- editing helpers --------------------------------------------------------------------------------------


def xml_edit(data: bytes, fn: Callable[[etree._Element], None]) -> bytes:
    """Parse, edit in place, serialise with the declaration the demo writes."""
    root = etree.fromstring(data)
    fn(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def zip_members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(i.filename, zf.read(i)) for i in zf.infolist()]


def zip_of(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, payload in members:
            zf.writestr(zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0)), payload, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def parse_email(data: bytes) -> EmailMessage:
    msg = BytesParser(policy=policy.SMTP).parsebytes(data)
    assert isinstance(msg, EmailMessage)
    return msg


def email_bytes(msg: EmailMessage) -> bytes:
    return msg.as_bytes(policy=policy.SMTP)


def attachment(msg: EmailMessage, suffix: str) -> EmailMessage:
    for part in msg.walk():
        if (part.get_filename() or "").lower().endswith(suffix):
            assert isinstance(part, EmailMessage)
            return part
    raise LookupError(f"no attachment *{suffix}")
