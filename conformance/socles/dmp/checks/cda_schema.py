"""DMP-C01: the CDA is valid against the CDA R2 schema the ANS ships, `infrastructure/cda/CDA_extended.xsd`.

The schema is the one of the official pack (`--schematron-pack DIR`, a clone of
ansforge/TestContenuCDA-3-0, where it sits beside the schematrons); the harness does not ship
it. It is compiled once per file by lxml (libxml2's XML Schema), its includes resolved inside the
pack and never over the network. The document is the tree the hardened parser accepted (the
stylesheet around a self-presentable CDA included). Without a pack, or with a pack that lacks the
schema, the requirement is reported not applicable with the reason, never passed.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path

from lxml import etree

from conformance.formats.schematron.runner import runner_for
from conformance.model import CheckContext, Finding
from conformance.registry import check

from ..messages import M
from .cda_doc import CdaDoc

R = "DMP-C01"
SCHEMA = Path("infrastructure") / "cda" / "CDA_extended.xsd"
MAX_ERRORS = 25


@functools.lru_cache(maxsize=4)
def load_schema(path: Path) -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(path), parser))


@check("cda", "dmp", R)
def check_cda_schema(doc: CdaDoc, ctx: CheckContext) -> Iterable[Finding]:
    runner = runner_for(ctx.extra)
    if runner is None:
        return [M.not_applicable(R, "schema.no-pack", "/")]
    path = runner.pack.root / SCHEMA
    if not path.is_file():
        return [M.not_applicable(R, "schema.not-in-pack", "/", schema=SCHEMA.as_posix())]
    try:
        schema = load_schema(path)
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError, OSError) as exc:
        return [M.fail(R, "schema.not-compiled", SCHEMA.as_posix(), error=exc)]
    if schema.validate(doc.root.getroottree().getroot()):
        return [M.passed(R, "schema.valid", "/")]
    return [
        M.fail(R, "schema.error", f"line {err.line}" + (f", {err.path}" if err.path else ""), message=err.message)
        for err in list(schema.error_log)[:MAX_ERRORS]
    ]
