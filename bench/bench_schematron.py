"""The official ANS schematron pack through our runner vs the way TestContenuCDA runs it (goal: >= 10x).

Usage: python bench/bench_schematron.py --pack ../TestContenuCDA-3-0 [--docs 20] [--schematron auto]
Ours: one process, each schematron compiled once from the pack's .sch with its own engine (empty
cache, timed as "cold compile"), then every document from its bytes (hardened parse included).
Theirs: compilverif.bat's way, four `java net.sf.saxon.Transform` processes per document and per
schematron (include, expand, compile, check) with Debian's Saxon-HE jar; skipped with a message
when java or the jar is missing. Agreement: the same failed assertions (location, text) for every
(document, schematron), or no report on both sides (a Saxon error while compiling or running the
schematron: the pack's defect, seen the same way). Prints one line per figure.
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
from pathlib import Path
from typing import Any

from lxml import etree

from conformance.formats.schematron import compile as compiling
from conformance.formats.schematron.pack import Pack, Schematron, clinical_document, document_templates
from conformance.formats.schematron.reference import ReferenceUnavailable, run_like_testcontenucda, saxon_jar
from conformance.formats.schematron.runner import PackRunner, Problem, failed_items
from conformance.formats.schematron.svrl import parse_svrl

ROOT = Path(__file__).resolve().parents[1]
STOPPED = [("-", "no report: Saxon error while compiling or running")]


def _schematrons(pack: Pack, names: tuple[str, ...], doc: Path) -> list[Schematron]:
    tree = clinical_document(etree.fromstring(doc.read_bytes()))
    return pack.select(names, document_templates(tree) if tree is not None else [])[0]


def _ours(runner: PackRunner, sch: Schematron, data: bytes) -> list[tuple[str, str]]:
    found = PackRunner(runner.pack, (sch.name,), runner.cache_dir).run(data)
    if any(isinstance(r, Problem) and r.code in ("saxon-stopped", "not-compiled") for r in found):
        return STOPPED
    return failed_items(found)


def measure(pack: Path, docs: list[Path], names: tuple[str, ...] = ("auto",)) -> dict[str, Any]:
    """Figures for `docs` through `pack`: ours (cold compile + runs) and, when java is there, theirs."""
    opened = Pack.open(pack)
    plan = {doc: _schematrons(opened, names, doc) for doc in docs}
    needed = list(dict.fromkeys(s for chosen in plan.values() for s in chosen))
    with tempfile.TemporaryDirectory() as cache:
        compiling.reset_memory()
        runner = PackRunner(opened, names, Path(cache))
        started = time.perf_counter()
        for sch in needed:
            with contextlib.suppress(compiling.SchematronError):  # reported per document, as in a real run
                runner.compiler.executable(sch)
        cold = time.perf_counter() - started
        datas = {doc: doc.read_bytes() for doc in docs}
        started = time.perf_counter()
        for doc in docs:
            runner.run(datas[doc])
        runs = time.perf_counter() - started
        ours = {(doc, s.name): _ours(runner, s, datas[doc]) for doc, chosen in plan.items() for s in chosen}
    out: dict[str, Any] = {
        "documents": len(docs),
        "schematron_runs": sum(len(c) for c in plan.values()),
        "schematrons": [s.name for s in needed],
        "ours_cold_compile_s": cold,
        "ours_runs_s": runs,
        "ours_total_s": cold + runs,
        "ours_docs_per_s": len(docs) / runs if runs else float("inf"),
    }
    try:
        jar = saxon_jar()
    except ReferenceUnavailable as exc:
        out["java_skipped"] = str(exc)
        return out
    theirs: dict[tuple[Path, str], list[tuple[str, str]]] = {}
    started = time.perf_counter()
    for doc, chosen in plan.items():
        for sch in chosen:
            try:
                svrl = run_like_testcontenucda(opened, sch, doc, jar)
                theirs[(doc, sch.name)] = [(i.location, i.text) for i in parse_svrl(svrl).failures()]
            except RuntimeError:
                theirs[(doc, sch.name)] = STOPPED
    java = time.perf_counter() - started
    agree = [key for key in ours if ours[key] == theirs.get(key)]
    out.update(
        {
            "java_total_s": java,
            "java_processes": 4 * len(ours),
            "java_docs_per_s": len(docs) / java if java else 0.0,
            "ratio_total": java / (cold + runs) if cold + runs else float("inf"),
            "agreement": f"{len(agree)}/{len(ours)}",
            "disagreements": sorted(f"{d.name} {n}" for d, n in ours if (d, n) not in agree),
            "failed_assertions_ours": sum(len(v) for v in ours.values() if v != STOPPED),
            "stopped": sorted(f"{d.name} {n}" for (d, n), v in ours.items() if v == STOPPED),
        }
    )
    return out


def pick_documents(pack: Path, count: int, names: tuple[str, ...]) -> list[Path]:
    """`count` examples spread over the pack's volets, each with at least one schematron to run."""
    opened = Pack.open(pack)
    usable = [p for p in sorted((opened.root / "ExemplesCDA").glob("*.xml")) if _schematrons(opened, names, p)]
    step = max(1, len(usable) // count) if count else 1
    return usable[::step][:count]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pack", type=Path, default=ROOT.parent / "TestContenuCDA-3-0")
    parser.add_argument("--docs", type=int, default=20)
    parser.add_argument("--schematron", action="append", default=[], help="auto (default), profiles, all or a name")
    args = parser.parse_args()
    names = tuple(args.schematron) or ("auto",)
    docs = pick_documents(args.pack, args.docs, names)
    r = measure(args.pack, docs, names)
    print(
        f"pack {args.pack}, schematrons {','.join(names)}: {r['documents']} documents, "
        f"{r['schematron_runs']} schematron runs over {len(r['schematrons'])} schematrons"
    )
    print(
        f"ours: cold compile {r['ours_cold_compile_s']:.1f} s, runs {r['ours_runs_s']:.2f} s "
        f"({r['ours_docs_per_s']:.1f} documents/s), total {r['ours_total_s']:.1f} s"
    )
    if "java_skipped" in r:
        print(f"TestContenuCDA way (Java Saxon-HE): skipped: {r['java_skipped']}")
        return
    print(
        f"TestContenuCDA way (Java Saxon-HE, {r['java_processes']} processes): total {r['java_total_s']:.1f} s "
        f"({r['java_docs_per_s']:.2f} documents/s)"
    )
    print(f"ratio (theirs / ours, totals): {r['ratio_total']:.1f}x")
    print(
        f"verdict agreement (same failed assertions): {r['agreement']} (ours: {r['failed_assertions_ours']} "
        f"failed assertions; no report on both sides (Saxon error) counts as agreement: {len(r['stopped'])})"
    )
    for item in r["disagreements"]:
        print(f"  disagree: {item}")


if __name__ == "__main__":
    main()
