"""A TestContenuCDA schematron pack on disk: where its engine and schematrons are, and which apply.

The pack is the folder layout of the public ansforge/TestContenuCDA-3-0 repository, used as is
(a vendor clones it; nothing of it is copied into the harness):

    <root>/schematrons/moteur/iso_*.xsl           the ISO schematron engine (ANS-modified SVRL output)
    <root>/schematrons/CI-SIS_<volet>_<ver>.sch   one schematron per document model (volet)
    <root>/schematrons/profils/...                generic schematrons run on every CDA
    <root>/ExemplesCDA/*.xml                      the official examples

Which volet schematron applies to a document is not written in any table of the pack, but each
official example names its own in an `<?oxygen SCHSchema="../schematrons/CI-SIS_....sch"?>`
instruction. The dispatch table is learned from those: the example's CI-SIS document templateId
(root under 1.2.250.1.213.1.1.1, with its extension) points at the schematron it declares. A
document then gets the schematron of its templateId and extension, or the volet's schematron whose
version is that extension. The examples are trusted as the pack's own statement; the documents
being validated are never trusted to choose their schematron.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from conformance.formats.xmlsafe import XmlRefused, parse_xml

ENGINE = ("iso_dsdl_include.xsl", "iso_abstract_expand.xsl", "iso_svrl_for_xslt2.xsl")
CISIS_ARC = "1.2.250.1.213.1.1.1."  # CI-SIS document model templateIds
GENERIC_ROOTS = {"1.2.250.1.213.1.1.1.1"}  # "structuration minimale": carried by every CI-SIS document
KEYWORDS = ("auto", "profiles", "all")

_VERSION = re.compile(r"^CI-SIS_(?P<volet>.+)_(?P<version>\d{4}\.\d{2})$")
_SCHEMA_ROOT = re.compile(rb"<(?:[\w-]+:)?schema[\s>]")
_OXYGEN = re.compile(r'SCHSchema="[^"]*?/schematrons/(CI-SIS_[^"/]+)\.sch"', re.IGNORECASE)


class PackError(ValueError):
    """The pack folder is missing, unreadable or not laid out like TestContenuCDA (a usage error)."""


@dataclass(frozen=True)
class Schematron:
    name: str  # file stem, e.g. CI-SIS_DLU-EHPAD-DLU_2022.01 or IHE
    path: Path
    kind: str  # "volet" | "profile"
    volet: str = ""  # DLU-EHPAD-DLU
    version: str = ""  # 2022.01


@dataclass
class Pack:
    root: Path  # the folder that holds schematrons/ (and ExemplesCDA/ when present)
    schematrons_dir: Path
    volets: dict[str, Schematron]
    profiles: dict[str, Schematron]
    # (templateId root, extension or "") -> schematron name, learned from the pack's examples
    dispatch: dict[tuple[str, str], str] = field(default_factory=dict)
    roots: dict[str, set[str]] = field(default_factory=dict)  # templateId root -> volet names

    @property
    def engine_dir(self) -> Path:
        return self.schematrons_dir / "moteur"

    @classmethod
    def open(cls, directory: Path | str) -> Pack:
        """Open a checkout (or its schematrons/ folder); PackError says what is missing."""
        given = Path(directory).expanduser()
        if not given.exists():
            raise PackError(f"schematron pack {given}: no such directory")
        if not given.is_dir():
            raise PackError(f"schematron pack {given}: not a directory")
        base = given.resolve()
        sch_dir = base / "schematrons" if (base / "schematrons").is_dir() else base
        missing = [n for n in ENGINE if not (sch_dir / "moteur" / n).is_file()]
        if missing:
            raise PackError(
                f"schematron pack {given}: not a TestContenuCDA layout (missing schematrons/moteur/"
                f"{', '.join(missing)}); give the folder of a clone of ansforge/TestContenuCDA-3-0"
            )
        try:
            volets = {p.stem: _volet(p) for p in sorted(sch_dir.glob("*.sch"))}
            profiles = {p.stem: Schematron(p.stem, p, "profile") for p in _profiles(sch_dir / "profils")}
        except OSError as exc:
            raise PackError(f"schematron pack {given}: unreadable ({exc.strerror or exc})") from exc
        if not volets and not profiles:
            raise PackError(f"schematron pack {given}: no schematron (.sch) found in {sch_dir}")
        pack = cls(sch_dir.parent, sch_dir, volets, profiles)
        pack._learn_dispatch(pack.root / "ExemplesCDA")
        return pack

    def find(self, name: str) -> Schematron:
        """A schematron by file stem (`IHE`, `CI-SIS_DLU-EHPAD-DLU_2022.01`, `DLU-EHPAD-DLU_2022.01`)
        or by path relative to schematrons/ (`profils/IHE.sch`)."""
        stem = name.removesuffix(".sch")
        for candidate in (stem, f"CI-SIS_{stem}"):
            if candidate in self.volets:
                return self.volets[candidate]
            if candidate in self.profiles:
                return self.profiles[candidate]
        path = (self.schematrons_dir / name).resolve()
        if path.suffix == ".sch" and path.is_file() and path.is_relative_to(self.schematrons_dir):
            return Schematron(path.stem, path, "volet" if path.parent == self.schematrons_dir else "profile")
        known = ", ".join([*self.profiles, *list(self.volets)[:6]])
        raise PackError(f"no schematron {name!r} in {self.schematrons_dir} (for example: {known}, ...)")

    def check_names(self, names: tuple[str, ...]) -> None:
        """Fail early (usage error) on a name that is neither a keyword nor a schematron."""
        for name in names:
            if name not in KEYWORDS:
                self.find(name)

    def volet_for(self, templates: list[tuple[str, str]]) -> tuple[Schematron | None, str]:
        """The volet schematron for a ClinicalDocument's (root, extension) templateIds, or the reason why none."""
        for root, ext in templates:
            exact = self.dispatch.get((root, ext))
            if exact and exact in self.volets:
                return self.volets[exact], ""
            for volet in sorted(self.roots.get(root, ())):
                name = f"CI-SIS_{volet}_{ext}"
                if ext and name in self.volets:
                    return self.volets[name], ""
        ids = ", ".join(f"{r}{'@' + e if e else ''}" for r, e in templates if r.startswith(CISIS_ARC)) or "none"
        if not self.dispatch:
            return None, (
                "the pack has no ExemplesCDA/ to learn which volet a templateId is; name the schematron "
                f"with --schematron (CI-SIS templateIds: {ids})"
            )
        return None, f"no volet schematron of the pack for the document's CI-SIS templateIds ({ids})"

    def select(self, names: tuple[str, ...], templates: list[tuple[str, str]]) -> tuple[list[Schematron], str]:
        """The schematrons to run: `auto` = the volet's, `profiles` = the generic ones, `all` = both."""
        chosen: list[Schematron] = []
        reason = ""
        for name in names or ("auto",):
            if name in ("profiles", "all"):
                chosen.extend(self.profiles.values())
            if name in ("auto", "all"):
                volet, reason = self.volet_for(templates)
                chosen.extend([volet] if volet else [])
            elif name not in KEYWORDS:
                chosen.append(self.find(name))
        return list(dict.fromkeys(chosen)), reason

    def _learn_dispatch(self, examples: Path) -> None:
        votes: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        for path in sorted(examples.glob("*.xml")) if examples.is_dir() else []:
            learned = _declared(path)
            if learned is None or learned[0] not in self.volets:
                continue
            name, templates = learned
            for root, ext in templates:
                votes[(root, ext)][name] += 1
                self.roots.setdefault(root, set()).add(self.volets[name].volet)
        # a root shared by several volets (e.g. the CSE family root) identifies none of them
        self.roots = {r: v for r, v in self.roots.items() if len(v) == 1}
        for key, counter in votes.items():
            if key[0] in self.roots:
                # most examples win; on a tie the oldest version (an unversioned templateId predates versions)
                self.dispatch[key] = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def _volet(path: Path) -> Schematron:
    m = _VERSION.match(path.stem)
    if m:
        return Schematron(path.stem, path, "volet", m["volet"], m["version"])
    return Schematron(path.stem, path, "volet", path.stem.removeprefix("CI-SIS_"))


def _profiles(folder: Path) -> list[Path]:
    """Schema-rooted .sch files under profils/, outside the include folders they pull in."""
    found = []
    for path in sorted(folder.rglob("*.sch")) if folder.is_dir() else []:
        rel = path.relative_to(folder).parts
        if any(part.lower() == "include" for part in rel[:-1]):
            continue
        with path.open("rb") as fh:
            head = fh.read(4096)
        if _SCHEMA_ROOT.search(head):
            found.append(path)
    return found


def _declared(path: Path) -> tuple[str, list[tuple[str, str]]] | None:
    """(schematron named by the example's oxygen instruction, its CI-SIS templateIds) or None."""
    try:
        data = path.read_bytes()
        match = _OXYGEN.search(data[:8192].decode("utf-8", "replace"))
        if match is None:
            return None
        tree = parse_xml(data)
    except (OSError, XmlRefused):
        return None
    doc = clinical_document(tree)
    if doc is None:
        return None
    templates = [t for t in document_templates(doc) if t[0].startswith(CISIS_ARC) and t[0] not in GENERIC_ROOTS]
    return match.group(1), templates


def clinical_document(root: etree._Element) -> etree._Element | None:
    """The ClinicalDocument: the root, or the one embedded in a self-presentable XSL document."""
    if root.tag == "{urn:hl7-org:v3}ClinicalDocument":
        return root
    return root.find(".//{urn:hl7-org:v3}ClinicalDocument")


def document_templates(doc: etree._Element) -> list[tuple[str, str]]:
    """(root, extension) of the ClinicalDocument's own templateIds, in document order."""
    out = []
    for el in doc.findall("{urn:hl7-org:v3}templateId"):
        root = (el.get("root") or "").strip()
        if root:
            out.append((root, (el.get("extension") or "").strip()))
    return out
