"""Write the value-set subsets shipped in profiles/valuesets/ from the official ANS SVS files.

Our own generator: it reads the `jeuxDeValeurs/` folder of ansforge/TestContenuCDA-3-0 (kept
outside the project, default ../shared/corpus/jdv) and writes each set whole, in SVS form, with
its official id, revision date and source noted. Sets absent from the source folder are listed
so that the checks' "value set not available" warnings are explained.

    .venv/bin/python tools/make_valuesets.py [--source DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from conformance.formats.terminology import load_svs, write_svs_subset  # noqa: E402

# (value set, why the harness needs it)
WANTED = [
    ("JDV_J07_XdsTypeCode_CISIS", "XDS typeCode (MSS-XDM-05)"),
    ("JDV_J06_XdsClassCode_CISIS", "XDS classCode (MSS-XDM-05)"),
    ("JDV_J10_XdsFormatCode_CISIS", "XDS formatCode (MSS-XDM-05)"),
    ("JDV_J02_XdsHealthcareFacilityTypeCode_CISIS", "XDS healthcareFacilityTypeCode (MSS-XDM-05)"),
    ("JDV_J04_XdsPracticeSettingCode_CISIS", "XDS practiceSettingCode (MSS-XDM-05)"),
    ("JDV_J08_XdsConfidentialityCode_CISIS", "XDS confidentialityCode (MSS-XDM-05)"),
    ("JDV_HL7_Confidentiality_CISIS", "CDA confidentialityCode"),
]
SOURCE_NOTE = (
    "Whole value set copied from ansforge/TestContenuCDA-3-0 jeuxDeValeurs/{file} "
    "(commit 7cd489b3, 2025-02-19) by tools/make_valuesets.py. {why}."
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=ROOT / ".." / "shared" / "corpus" / "jdv")
    parser.add_argument("--out", type=Path, default=ROOT / "profiles" / "valuesets")
    args = parser.parse_args(argv)
    if not args.source.is_dir():
        print(f"source folder {args.source} not found: nothing written", file=sys.stderr)
        return 1
    missing = []
    for name, why in WANTED:
        src = args.source / f"{name}.xml"
        if not src.is_file():
            missing.append(name)
            continue
        vs = load_svs(src)
        write_svs_subset(vs, None, args.out / f"{name}.xml", SOURCE_NOTE.format(file=src.name, why=why))
        print(f"wrote {name}: {len(vs.concepts)} concepts, version {vs.version}")
    for name in missing:
        print(f"absent from the source (checks will warn 'value set not available'): {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
