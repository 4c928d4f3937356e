"""Throughput of the e-prescription Bundle check (goal: >= 300 Bundles/s with the default rules on
2 cores) and the cold-start load time of a FHIR package.

Usage: python bench/bench_fhir.py [--bundles 400] [--package PATH]
The Bundles are distinct variants of fixtures/eprescription/ordonnance-good.json (other patient INS,
prescriber, doses), so no cache sees the same Bundle twice. The package defaults to
../shared/corpus/eprescription-ig when present.
"""

from __future__ import annotations

import argparse
import copy
import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from conformance.formats.fhir import load_package  # noqa: E402
from conformance.formats.ins import with_key  # noqa: E402
from conformance.model import CheckContext  # noqa: E402
from conformance.socles.eprescription.checks import prescription_findings  # noqa: E402


def variants(n: int) -> list[bytes]:
    base = json.loads((REPO / "fixtures" / "eprescription" / "ordonnance-good.json").read_text(encoding="utf-8"))
    out = []
    for i in range(n):
        b = copy.deepcopy(base)
        patient, prescriber = b["entry"][0]["resource"], b["entry"][1]["resource"]
        patient["identifier"][0]["value"] = with_key(f"2380475{i % 1_000_000:06d}")
        patient["birthDate"] = f"19{30 + i % 60:02d}-04-12"
        prescriber["identifier"][0]["value"] = f"8{10_000_000_000 + i}"
        for j, line in ((4, 1 + i % 3), (5, 250 * (1 + i % 4))):
            b["entry"][j]["resource"]["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] = line
        b["entry"][4]["resource"]["groupIdentifier"]["value"] = f"ORD-ESSAI-{i:06d}"
        b["entry"][5]["resource"]["groupIdentifier"]["value"] = f"ORD-ESSAI-{i:06d}"
        out.append(json.dumps(b).encode())
    return out


def rate(bundles: list[bytes], packages: list) -> float:
    ctx = CheckContext()
    for d in bundles[:10]:  # compile profiles and FHIRPath once, as a long run would
        prescription_findings(d, ctx, packages)
    started = time.perf_counter()
    for d in bundles:
        prescription_findings(d, ctx, packages)
    return len(bundles) / (time.perf_counter() - started)


def cold_start(package: Path) -> float:
    """Fresh interpreter: import the engine and load the package (what `conformance validate` pays)."""
    code = (
        "import time; t = time.perf_counter(); from conformance.formats.fhir import load_package; "
        f"load_package({str(package)!r}); print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bundles", type=int, default=400)
    parser.add_argument("--package", type=Path, default=REPO / ".." / "shared" / "corpus" / "eprescription-ig")
    args = parser.parse_args()
    bundles = variants(args.bundles)
    print(
        f"default rules (harness rule set): {rate(bundles, []):.0f} Bundles/s "
        f"({args.bundles} distinct Bundles, {len(bundles[0])} bytes each; goal >= 300/s)"
    )
    if args.package.exists():
        pkg = load_package(args.package)
        print(
            f"package {pkg.label}: load {pkg.load_seconds * 1000:.1f} ms in process, "
            f"cold start (fresh interpreter, import + load) {cold_start(args.package) * 1000:.0f} ms"
        )
        print(f"with the package loaded: {rate(bundles, [pkg]):.0f} Bundles/s")
    else:
        print(f"no package at {args.package}: package figures skipped")


if __name__ == "__main__":
    main()
