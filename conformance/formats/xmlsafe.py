"""Hardened XML parsing: the only way the harness turns bytes into an lxml tree.

No DTD loading, no external entities, no network, no entity expansion (billion laughs), a size
limit checked before parsing and a depth limit checked after. A refusal is an `XmlRefused` whose
message names the reason; checks turn it into a failing finding for their own rule.

A DOCTYPE is judged the same wherever it sits in the prolog (after 64 KB of comments, in a UTF-16
document): an internal subset or entity declarations, or an external DTD (SYSTEM/PUBLIC), is refused
with one reason each. A quick scan of the first 64 KB refuses the common cases before libxml2 reads
anything; the parsed document's own DOCTYPE (lxml's docinfo, exact) decides for the rest. Parsing
such a document is itself harmless here: no DTD is loaded and no entity expanded.
"""

from __future__ import annotations

import re
from functools import cache

from lxml import etree

MAX_XML_BYTES = 40 * 1024 * 1024
MAX_DEPTH = 256
_EXTERNAL_DTD = re.compile(rb"<!DOCTYPE\s+[^\s>\[]+\s+(?:SYSTEM|PUBLIC)\b")


class XmlRefused(ValueError):
    """The XML was refused: malformed, hostile or too large."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
        # no collect_ids=False: with it libxml2 (lxml 6.1) reads a SYSTEM DTD from disk despite load_dtd=False
    )


INTERNAL_SUBSET = "XML carries a DOCTYPE with an internal subset or entity declarations (XXE/billion laughs)"
EXTERNAL_DTD = "XML names an external DTD (DOCTYPE SYSTEM/PUBLIC): refused, it would be read from disk"


def parse_xml(data: bytes, *, max_bytes: int = MAX_XML_BYTES, max_depth: int = MAX_DEPTH) -> etree._Element:
    """Parse `data`, refusing DTDs with entity declarations, oversize input and absurd depth."""
    if len(data) > max_bytes:
        raise XmlRefused(f"XML of {len(data)} bytes exceeds the {max_bytes}-byte limit")
    head = data[:4096].lstrip()
    if b"<!ENTITY" in data[:65536] or (b"<!DOCTYPE" in head and b"[" in head.split(b"<!DOCTYPE", 1)[1][:2048]):
        raise XmlRefused(INTERNAL_SUBSET)
    if _EXTERNAL_DTD.search(data[:65536]):
        raise XmlRefused(EXTERNAL_DTD)
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise XmlRefused(f"malformed XML: {exc}") from exc
    except (ValueError, TypeError) as exc:  # lxml's own refusals of odd input (encoding declarations...)
        raise XmlRefused(f"malformed XML: {exc}") from exc
    if root is None:
        raise XmlRefused("empty XML document")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype:  # rare: judged exactly, whatever its position or the encoding
        reason = _doctype_reason(data, docinfo)
        if reason:
            raise XmlRefused(reason)
    _check_depth(root, max_depth)
    return root


# the prolog before a DOCTYPE (XML 1.0 §2.8: XMLDecl? Misc*), and the head of the doctypedecl production
_PROLOG_MISC = re.compile(r"(?:\s+|<\?.*?\?>|<!--.*?-->)*", re.S)
_DOCTYPE_HEAD = re.compile(
    r"""<!DOCTYPE\s+[^\s\[>]+(?:\s+(?:SYSTEM|PUBLIC)(?:\s+(?:"[^"]*"|'[^']*')){1,2})?\s*(?P<subset>\[)?""",
    re.S,
)


def _doctype_reason(data: bytes, docinfo: etree.DocInfo) -> str | None:
    """Why the document's DOCTYPE is refused: an external DTD, an internal subset, or one that cannot be read."""
    if docinfo.system_url or docinfo.public_id:
        return EXTERNAL_DTD
    text = data.decode(docinfo.encoding or "utf-8", "replace").lstrip("\ufeff")
    start = _PROLOG_MISC.match(text)
    head = _DOCTYPE_HEAD.match(text, start.end() if start else 0)
    if head is None or head.group("subset"):
        return INTERNAL_SUBSET
    return None


@cache
def _too_deep(max_depth: int) -> etree.XPath:
    """Any node (element, comment, PI) at depth max_depth + 1, the root being at depth 1.

    Evaluated by libxml2 level by level (linear in the size of the tree): a Python walk over every
    element cost more than the whole parse on large CDA documents.
    """
    return etree.XPath("/" + "*/" * max_depth + "node()[not(self::text())]")


def _check_depth(root: etree._Element, max_depth: int) -> None:
    if _too_deep(max_depth)(root):
        raise XmlRefused(f"XML nesting deeper than {max_depth} levels")


def xpath_of(el: etree._Element) -> str:
    """A readable location for findings (prefixes as in the document)."""
    return el.getroottree().getpath(el)
