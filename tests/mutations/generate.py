"""Write the mutation corpus to a folder: `python -m tests.mutations.generate OUT [--evidence DIR --pki DIR]`.

Without `--evidence`, the demo DUI runs first (all its socles, a fresh test PKI under OUT/pki). The
folder then holds `controls/<base>/<file>` (the demo's artifacts, unmodified), `variants/<name>/<file>`
(one defect each) and `manifest.json`, which says for every file its base, the requirement it must
fail, what was changed, its capture time and, for an HTTP body, its Content-Type: enough to replay
each one with `conformance validate --at <time> --trust <pki>/ca_bundle.pem --crl <pki>/crl.pem FILE`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from conformance.formats.pki import TestPKI

from .helpers import Base, Kit, load, load_bases, run_demo


def _write(folder: Path, b: Base) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / b.file).write_bytes(b.data)
    return {"file": str(folder / b.file), "at": b.at.isoformat(), "content_type": b.content_type}


def generate(out: Path, evidence: Path | None = None, pki_dir: Path | None = None) -> list[dict[str, str]]:
    pki_dir = pki_dir or out / "pki"
    pki = TestPKI.load_or_create(pki_dir)
    if evidence is None:
        evidence = run_demo(out / "run", pki_dir)
    mutations = load()
    bases = load_bases(evidence, pki)
    kit = Kit(pki, bases)
    rows = [{"kind": "control", "name": name, **_write(out / "controls" / name, b)} for name, b in bases.items()]
    for m in mutations.values():
        variant = m.make(bases[m.base], kit)
        rows.append(
            {
                "kind": "variant",
                "name": m.name,
                "base": m.base,
                "requirement": m.requirement,
                "description": m.description,
                **_write(out / "variants" / m.name, variant),
            }
        )
    (out / "manifest.json").write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--evidence", type=Path, help="evidence folder of a demo run (default: run the demo)")
    parser.add_argument("--pki", type=Path, help="the test PKI that run used (required with --evidence)")
    args = parser.parse_args()
    if args.evidence is not None and args.pki is None:
        parser.error("--evidence needs --pki: the variants are re-signed with the run's test PKI")
    rows = generate(args.out, args.evidence, args.pki)
    variants = sum(1 for r in rows if r["kind"] == "variant")
    print(f"{variants} variants and {len(rows) - variants} controls written to {args.out}")


if __name__ == "__main__":
    main()
