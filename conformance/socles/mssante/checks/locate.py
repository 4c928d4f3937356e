"""Readable locations for findings: "part 2 IHE_XDM.zip!IHE_XDM/SUBSET01/METADATA.XML /rim:...".

A location must let a vendor find the place with a text editor, so element paths use the usual
prefixes (lcm, rim; none for CDA) and name elements by their identifying attribute (@id, @name,
@classificationScheme...) rather than by position wherever the document gives one.
"""

from __future__ import annotations

from lxml import etree

from conformance.formats.ebrim import LCM, RIM

HL7 = "urn:hl7-org:v3"
PREFIXES = {LCM: "lcm", RIM: "rim", HL7: ""}
_KEYS = ("name", "classificationScheme", "identificationScheme", "id", "root", "qualifier")


def _step(el: etree._Element) -> str:
    q = etree.QName(el)
    prefix = PREFIXES.get(q.namespace or "", "ns")
    step = f"{prefix}:{q.localname}" if prefix else q.localname
    for key in _KEYS:
        value = el.get(key)
        if value is not None:
            return f"{step}[@{key}='{value}']"
    parent = el.getparent()
    if parent is not None:
        same = [c for c in parent if isinstance(c.tag, str) and c.tag == el.tag]
        if len(same) > 1:
            return f"{step}[{same.index(el) + 1}]"
    return step


def node_path(el: etree._Element, memo: dict[etree._Element, str] | None = None) -> str:
    """Readable absolute path of `el`; `memo` keeps the paths of ancestors already written."""
    if memo is not None and el in memo:
        return memo[el]
    parent = el.getparent()
    path = (node_path(parent, memo) if parent is not None else "") + "/" + _step(el)
    if memo is not None:
        memo[el] = path
    return path


def at(
    container: str,
    entry: str = "",
    el: etree._Element | str | None = None,
    memo: dict[etree._Element, str] | None = None,
) -> str:
    """`container!entry path`: container is a file or MIME part, entry a zip member."""
    where = f"{container}!{entry}" if entry else container
    if el is None:
        return where
    return f"{where} {el if isinstance(el, str) else node_path(el, memo)}"
