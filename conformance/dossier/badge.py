"""A badge a vendor can put on its site: an SVG saying what one certificate says, tied to that file.

The badge shows the socles the certificate counts, the solution and version, the date, the
certificate id, whether it is auto-attested, and the SHA-256 of the certificate file; the whole
badge is a link to that file. Anyone can follow the link, run `conformance verify` on the file and
`conformance badge FILE --check BADGE.svg`: the badge is a pure function of the certificate and the
link, so the check re-renders it and compares bytes (an edited count, date or fingerprint fails).

Short socle labels come from the certificate's own titles: the text in parentheses when short
("Messagerie sécurisée de santé (MSSanté)" -> "MSSanté"), else the socle's name in capitals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from conformance.dossier.certificates import check_certificate, short_label

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
CHAR_WIDTH = 6.4  # DejaVu Sans / Verdana at 11 px, on average; textLength makes the text fit exactly
MONO_WIDTH = 5.5  # monospace at 9 px
HEIGHT_ROW = 20
COLOURS = {"ok": "#2e7d32", "partial": "#b26a00", "none": "#9e2a2b"}


class BadgeError(ValueError):
    pass


@dataclass(frozen=True)
class BadgeFacts:
    solution: str
    version: str
    date: str
    certificate_id: str
    sha256: str
    counted: tuple[str, ...]
    minimum: int
    signature: str

    @property
    def state(self) -> str:
        if len(self.counted) >= self.minimum:
            return "ok"
        return "partial" if self.counted else "none"


def _signature(trust: str, subject: str) -> str:
    if trust == "auto-attested":
        return "auto-attestée"
    cn = re.search(r"CN=([^,]+)", subject)
    return f"signée par {cn.group(1) if cn else subject or '?'}"


def facts(certificate: Path) -> BadgeFacts:
    """What the badge says, from a certificate that verifies (a badge is never made for one that does not)."""
    check = check_certificate(Path(certificate), Path(certificate).name)
    if check.trust == "invalid":
        raise BadgeError(f"{certificate} is not a valid certificate: {'; '.join(check.problems[:3])}")
    if check.evidence == "altered":
        raise BadgeError(
            f"the evidence beside {certificate} does not match it: {'; '.join(check.evidence_problems[:3])}"
        )
    payload = check.payload
    socles = payload.get("socles") or {}
    two = payload.get("at_least_two") or {}
    counted = tuple(short_label(n, str((socles.get(n) or {}).get("title_fr") or "")) for n in two.get("counting", []))
    return BadgeFacts(
        solution=check.solution or "?",
        version=check.version or "?",
        date=str(payload.get("issued_at_paris") or payload.get("issued_at") or "")[:10],
        certificate_id=str(payload.get("certificate_id") or ""),
        sha256=check.sha256,
        counted=counted,
        minimum=int(two.get("minimum") or 2),
        signature=_signature(check.trust, check.signer),
    )


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{SVG_NS}}}{tag}", {k.replace("_", "-"): v for k, v in attrs.items()})
    element.text = text
    return element


def _text(parent: etree._Element, text: str, x: float, y: float, width: float, **attrs: str) -> None:
    _el(
        parent,
        "text",
        text,
        x=f"{x:.1f}",
        y=f"{y:.1f}",
        textLength=f"{width:.1f}",
        lengthAdjust="spacingAndGlyphs",
        **attrs,
    )


def render_badge(f: BadgeFacts, link: str) -> bytes:
    """The SVG bytes (deterministic: the same facts and link always give the same bytes)."""
    label = "services socles"
    count = f"{len(f.counted)} compté{'s' if len(f.counted) > 1 else ''}"
    value = f"{count} : {' · '.join(f.counted)}" if f.counted else count
    line2 = f"{f.solution} {f.version} · {f.date} · {f.signature}"
    line3 = f"attestation {f.certificate_id[:8]} · SHA-256 {f.sha256[:16]}"
    left = len(label) * CHAR_WIDTH + 12
    right = len(value) * CHAR_WIDTH + 12
    width = max(left + right, len(line2) * CHAR_WIDTH + 12, len(line3) * MONO_WIDTH + 12)
    right = width - left
    height = HEIGHT_ROW * 2 + 16
    title = (
        f"dui-conformance : {value} — {f.solution} {f.version}, attestation {f.certificate_id} du {f.date}, "
        f"{f.signature}, SHA-256 du fichier {f.sha256}"
    )
    svg = etree.Element(
        f"{{{SVG_NS}}}svg",
        {"width": f"{width:.0f}", "height": str(height), "viewBox": f"0 0 {width:.0f} {height}", "role": "img"},
        nsmap={None: SVG_NS, "xlink": XLINK_NS},
    )
    svg.set("aria-label", title)
    _el(svg, "title", title)
    meta = _el(svg, "metadata")
    meta.set("data-certificate-id", f.certificate_id)
    meta.set("data-certificate-sha256", f.sha256)
    anchor = _el(svg, "a", href=link)
    anchor.set(f"{{{XLINK_NS}}}href", link)
    _el(anchor, "rect", width=f"{width:.0f}", height=str(height), rx="3", fill="#f4f4f4", stroke="#999")
    _el(anchor, "rect", width=f"{left:.1f}", height=str(HEIGHT_ROW), rx="3", fill="#444")
    _el(anchor, "rect", x=f"{left:.1f}", width=f"{right:.1f}", height=str(HEIGHT_ROW), rx="3", fill=COLOURS[f.state])
    group = _el(anchor, "g", fill="#fff", font_family="DejaVu Sans,Verdana,Geneva,sans-serif", font_size="11")
    _text(group, label, 6, 14, left - 12)
    _text(group, value, left + 6, 14, right - 12)
    grey = _el(anchor, "g", fill="#222", font_family="DejaVu Sans,Verdana,Geneva,sans-serif", font_size="11")
    _text(grey, line2, 6, HEIGHT_ROW + 14, len(line2) * CHAR_WIDTH)
    mono = _el(anchor, "g", fill="#444", font_family="DejaVu Sans Mono,monospace", font_size="9")
    _text(mono, line3, 6, HEIGHT_ROW * 2 + 10, len(line3) * MONO_WIDTH)
    return etree.tostring(svg, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def badge_link(svg: bytes) -> str:
    """The link a badge carries (to re-render it for the check)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    try:
        root = etree.fromstring(svg, parser)
    except etree.XMLSyntaxError as exc:
        raise BadgeError(f"not an SVG badge: {exc}") from exc
    anchors = root.findall(f"{{{SVG_NS}}}a")
    if len(anchors) != 1 or not anchors[0].get("href"):
        raise BadgeError("not a dui-conformance badge: no single link to a certificate")
    return str(anchors[0].get("href"))


def check_badge(svg: bytes, certificate: Path) -> list[str]:
    """Problems ([] when the badge is exactly the one this certificate gives)."""
    try:
        link = badge_link(svg)
        expected = render_badge(facts(certificate), link)
    except BadgeError as exc:
        return [str(exc)]
    if expected != svg:
        return ["the badge does not say what the certificate says (edited badge, or badge of another certificate)"]
    return []
