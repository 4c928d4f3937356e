"""Namespaces, compiled XPaths and readable locations shared by the DMP checks.

Locations are XPaths with conventional prefixes (`cda:`, `rim:`, `lcm:`, `xdsb:`) so that a
vendor can paste them into an XPath tool bound to the usual namespaces. ebRIM objects are named
by their identifying attribute (`rim:ExtrinsicObject[@id='Document01']`), CDA elements by their
position among same-named siblings, as TestContenuCDA reports do.
"""

from __future__ import annotations

from functools import cache

from lxml import etree

from conformance.formats.ebrim import LCM, RIM, SOAP12, XDSB, XOP

HL7 = "urn:hl7-org:v3"
XSL = "http://www.w3.org/1999/XSL/Transform"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

NS = {"cda": HL7, "rim": RIM, "lcm": LCM, "xdsb": XDSB, "soap": SOAP12, "xop": XOP, "xsl": XSL, "xsi": XSI}
PREFIXES = {uri: prefix for prefix, uri in NS.items()}
PREFIXES["urn:asip-sante:ci-sis"] = "data"
_KEYS = ("id", "name", "classificationScheme", "identificationScheme")


@cache
def xp(path: str) -> etree.XPath:
    """A compiled XPath over the shared prefixes (compiled once per distinct expression)."""
    return etree.XPath(path, namespaces=NS)


def step(el: etree._Element) -> str:
    q = etree.QName(el)
    prefix = PREFIXES.get(q.namespace or "", "")
    name = (
        f"{prefix}:{q.localname}"
        if prefix
        else (q.localname if not q.namespace else f"*[local-name()='{q.localname}']")
    )
    if q.namespace in (RIM, LCM):
        for key in _KEYS:
            value = el.get(key)
            if value is not None:
                return f"{name}[@{key}='{value}']"
    parent = el.getparent()
    if parent is not None:
        same = [c for c in parent.iterchildren(el.tag)]
        if len(same) > 1:
            return f"{name}[{same.index(el) + 1}]"
    return name


def where(el: etree._Element | None, *tail: str) -> str:
    """Absolute location of `el`, optionally followed by the steps of a missing descendant."""
    return _path(el) + "".join(f"/{t}" for t in tail)


def _path(el: etree._Element | None) -> str:
    if el is None:
        return ""
    tree = el.getroottree()
    root = tree.getroot()
    if el is root:
        return "/" + step(root)
    if etree.QName(el).namespace == HL7:
        # CDA: libxml2 builds the ElementPath (same-name sibling indices included); only the
        # namespace URIs are turned into prefixes. Checking a large CDA asks for many locations.
        relative = tree.getelementpath(el)
        if "{" + RIM not in relative and "{" + LCM not in relative:
            for uri, prefix in PREFIXES.items():
                relative = relative.replace("{" + uri + "}", prefix + ":")
            if "{" not in relative:
                return "/" + step(root) + "/" + relative
    steps: list[str] = []
    cur: etree._Element | None = el
    while cur is not None:
        if isinstance(cur.tag, str):
            steps.append(step(cur))
        cur = cur.getparent()
    return "/" + "/".join(reversed(steps))


def first(el: etree._Element, path: str) -> etree._Element | None:
    found = xp(path)(el)
    return found[0] if isinstance(found, list) and found else None


def all_of(el: etree._Element, path: str) -> list[etree._Element]:
    found = xp(path)(el)
    return [f for f in found if isinstance(f, etree._Element)] if isinstance(found, list) else []


def text_of(el: etree._Element | None) -> str:
    """Whitespace-normalised text content ('' when absent)."""
    if el is None:
        return ""
    return " ".join("".join(el.itertext()).split())
