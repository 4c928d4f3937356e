"""DMP-C01: the CDA is valid against the CDA R2 schema the ANS ships, `infrastructure/cda/CDA_extended.xsd`.

The schema is the one of the official pack (`--schematron-pack DIR`, a clone of
ansforge/TestContenuCDA-3-0, where it sits beside the schematrons); the harness does not ship
it. It is compiled once per file by lxml (libxml2's XML Schema), its includes resolved inside the
pack and never over the network. The document is the tree the hardened parser accepted. Without a
pack, or with a pack that lacks the schema, the requirement is reported not applicable with the
reason, never passed.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path

from lxml import etree

from conformance.formats.schematron.runner import runner_for
from conformance.formats.xmlsafe import XmlRefused, parse_xml
from conformance.model import Artifact, CheckContext, Finding, Verdict, not_applicable
from conformance.registry import check

R = "DMP-C01"
SCHEMA = Path("infrastructure") / "cda" / "CDA_extended.xsd"
MAX_ERRORS = 25


@functools.lru_cache(maxsize=4)
def load_schema(path: Path) -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(path), parser))


def _na(en: str, fr: str, evidence: str) -> list[Finding]:
    finding = not_applicable(R, en, fr, "/")
    finding.evidence = evidence
    return [finding]


@check("cda", "dmp")
def check_cda_schema(artifact: Artifact, ctx: CheckContext) -> Iterable[Finding]:
    runner = runner_for(ctx.extra)
    if runner is None:
        return _na(
            "no ANS pack given (--schematron-pack): CDA_extended.xsd was not applied",
            "aucun paquet ANS fourni (--schematron-pack) : le schéma CDA_extended.xsd n'a pas été appliqué",
            artifact.sha256,
        )
    path = runner.pack.root / SCHEMA
    if not path.is_file():
        return _na(
            f"the ANS pack has no {SCHEMA.as_posix()}: the CDA schema was not applied",
            f"le paquet ANS n'a pas de {SCHEMA.as_posix()} : le schéma CDA n'a pas été appliqué",
            artifact.sha256,
        )
    try:
        schema = load_schema(path)
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError, OSError) as exc:
        return [
            Finding(
                R,
                Verdict.FAIL,
                f"the pack's CDA schema cannot be compiled: {exc}",
                f"le schéma CDA du paquet ne peut être compilé : {exc}",
                SCHEMA.as_posix(),
                artifact.sha256,
            )
        ]
    try:
        root = parse_xml(artifact.data)
    except XmlRefused as exc:
        return [
            Finding(
                R,
                Verdict.FAIL,
                f"document refused by the hardened XML parser: {exc}",
                f"document refusé par l'analyseur XML durci : {exc}",
                "/",
                artifact.sha256,
            )
        ]
    if schema.validate(root):
        return [
            Finding(
                R,
                Verdict.PASS,
                "valid against CDA_extended.xsd (ANS pack)",
                "valide selon CDA_extended.xsd (paquet ANS)",
                "/",
                artifact.sha256,
            )
        ]
    out = []
    for err in list(schema.error_log)[:MAX_ERRORS]:
        out.append(
            Finding(
                R,
                Verdict.FAIL,
                f"CDA_extended.xsd: {err.message}",
                f"CDA_extended.xsd : {err.message}",
                f"line {err.line}" + (f", {err.path}" if err.path else ""),
                artifact.sha256,
            )
        )
    return out
