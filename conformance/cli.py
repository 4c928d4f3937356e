"""`conformance`: the command-line front door. Same engine as the pytest plugin.

Exit status: 0 success, 1 conformance failure (a finding failed, an EXIGENCE not met), 2 usage
or environment error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from conformance import __version__


class UsageFailure(click.ClickException):
    exit_code = 2


def _socle_names(socles: tuple[str, ...]) -> list[str]:
    from conformance.socle import get_socle, installed_socles

    names = [n for raw in socles for n in raw.split(",") if n] or list(installed_socles())
    try:
        return [get_socle(n).name for n in names]
    except KeyError as exc:
        raise UsageFailure(str(exc.args[0])) from exc


SIGN_OPTIONS = [
    click.option(
        "--sign-key",
        type=click.Path(path_type=Path, exists=True, dir_okay=False),
        default=None,
        help="Signing key: PEM (with --sign-cert) or PKCS#12; password in CONFORMANCE_SIGN_PASSWORD. "
        "Without it the per-installation key signs and the certificate says 'auto-attesté'.",
    ),
    click.option(
        "--sign-cert",
        type=click.Path(path_type=Path, exists=True, dir_okay=False),
        default=None,
        help="Signing certificate chain (PEM), leaf first.",
    ),
    click.option(
        "--policy",
        type=click.Path(path_type=Path, exists=True, dir_okay=False),
        default=None,
        help="Counting policy for 'au moins deux services socles' (TOML).",
    ),
    click.option(
        "--lang",
        "langs",
        multiple=True,
        type=click.Choice(["fr", "en"]),
        help="Certificate language(s) besides French (certificate.en.html).",
    ),
]


def sign_options(fn: Any) -> Any:
    for option in reversed(SIGN_OPTIONS):
        fn = option(fn)
    return fn


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="conformance")
def main() -> None:
    """Conformance harness for DUI software against the services socles (MSSanté, DMP, e-prescription)."""


@main.command()
@click.option("--socle", "socles", multiple=True, help="Socle to run (repeatable; default: every installed socle).")
@click.option(
    "--dui",
    default="demo",
    show_default=True,
    help="DUI under test: demo, demo:<defect>, python:mod:Class, http://host:port, manual.",
)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Run folder (default reports/<run-id>).")
@click.option("--solution-name", default="", help="Name of the DUI solution, as on the certificate.")
@click.option("--solution-version", default="", help="Exact version/build of the DUI under test.")
@click.option("--solution-vendor", default="", help="Vendor (éditeur).")
@click.option("--solution-domain", default="", help="Ségur dispositif / ESMS domain, as on the certificate.")
@click.option(
    "--terminology",
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    default=None,
    help="Folder of official IHE SVS value sets (overrides the shipped subsets).",
)
@click.option(
    "--schematron-pack",
    type=click.Path(path_type=Path),
    default=None,
    help="Clone of ansforge/TestContenuCDA-3-0: the DMP socle's CDA documents also go through its schematrons.",
)
@click.option("-k", "keyword", default=None, help="Only scenarios matching this pytest -k expression.")
@click.option("--verbose", "-v", is_flag=True, help="Show pytest's own output as well.")
@sign_options
def run(
    socles: tuple[str, ...],
    dui: str,
    out: Path | None,
    solution_name: str,
    solution_version: str,
    solution_vendor: str,
    solution_domain: str,
    terminology: Path | None,
    schematron_pack: Path | None,
    keyword: str | None,
    verbose: bool,
    sign_key: Path | None,
    sign_cert: Path | None,
    policy: Path | None,
    langs: tuple[str, ...],
) -> None:
    """Start the mock services, drive the DUI through every scenario, write the run folder."""
    import pytest

    from conformance.engine.recorder import new_run_id
    from conformance.engine.results import exit_code

    names = _socle_names(socles)
    out = (out or Path("reports") / new_run_id()).resolve()
    args = [
        "-p",
        "no:cacheprovider",
        "--rootdir",
        str(out.parent),
        "-c",
        str(_empty_ini()),
        "--dui",
        dui,
        "--out",
        str(out),
        "--conformance-progress",
        "-o",
        "console_output_style=classic",
        "-W",
        "ignore::pytest.PytestAssertRewriteWarning",
    ]
    args += ["-rN", "-q", "--tb=line"] if not verbose else ["-v", "--tb=short"]
    for n in names:
        args += ["--socle", n]
    for opt, val in (
        ("--solution-name", solution_name),
        ("--solution-version", solution_version),
        ("--solution-vendor", solution_vendor),
        ("--solution-domain", solution_domain),
    ):
        if val:
            args += [opt, val]
    if terminology:
        args += ["--terminology", str(terminology)]
    if schematron_pack:
        args += ["--schematron-pack", str(schematron_pack.resolve())]
    if keyword:
        args += ["-k", keyword]
    for opt, path in (("--sign-key", sign_key), ("--sign-cert", sign_cert), ("--policy", policy)):
        if path:
            args += [opt, str(path.resolve())]
    for lang in langs:
        args += ["--lang", lang]
    click.echo(f"conformance run: socles {', '.join(names)}, DUI {dui}, output {out}")
    code = pytest.main(args)
    if code in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERNAL_ERROR):
        sys.exit(2)
    results_path = out / "results.json"
    if not results_path.exists():
        click.echo("no results were written", err=True)
        sys.exit(2)
    results = json.loads(results_path.read_text(encoding="utf-8"))
    for name, s in results["socles"].items():
        counts = ", ".join(f"{k} {v}" for k, v in sorted(s["counts"].items()))
        click.echo(f"{name}: {s['verdict'].upper()} ({counts})")
        for rid, q in s["requirements"].items():
            if q["verdict"] == "fail" or (q["verdict"] == "not-tested" and q["checked"]):
                click.echo(f"  {q['verdict'].upper():<10} {rid} {q['title_en']}")
    click.echo(f"results: {results_path}\ncertificate: {out / 'certificate.html'}")
    sys.exit(exit_code(results))


def _empty_ini() -> Path:
    """An empty pytest.ini so that a run never picks up the configuration of the current folder."""
    from conformance.paths import PACKAGE_DIR

    return PACKAGE_DIR / "engine" / "empty.ini"


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list, one object per file.")
@click.option("--socle", "socles", multiple=True, help="Only the checks of these socles.")
@click.option(
    "--terminology",
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    default=None,
    help="Folder of official IHE SVS value sets.",
)
@click.option(
    "--fhir-package",
    "fhir_packages",
    multiple=True,
    type=click.Path(path_type=Path, exists=True),
    help="FHIR IG package (folder or .tgz): Bundles are checked against its profiles, value sets, code systems.",
)
@click.option(
    "--schematron-pack",
    type=click.Path(path_type=Path),
    default=None,
    envvar="CONFORMANCE_SCHEMATRON_PACK",
    help="Clone of ansforge/TestContenuCDA-3-0: CDA documents also go through its schematrons (DMP-C03). "
    "Default: $CONFORMANCE_SCHEMATRON_PACK.",
)
@click.option(
    "--schematron",
    "schematrons",
    multiple=True,
    help="Which pack schematrons (repeatable): auto (the volet's, by templateId; default), profiles, all, "
    "or a name such as CI-SIS_DLU-EHPAD-DLU_2022.01 or IHE.",
)
def validate(
    files: tuple[Path, ...],
    as_json: bool,
    socles: tuple[str, ...],
    terminology: Path | None,
    fhir_packages: tuple[Path, ...],
    schematron_pack: Path | None,
    schematrons: tuple[str, ...],
) -> None:
    """Check saved artifacts (e-mail, XDM zip, CDA, PDF...): which rule fails, and where."""
    from conformance.engine.validate import validate_path
    from conformance.socle import load_all_checks

    _configure_schematron_pack(schematron_pack, schematrons)
    if terminology:
        from conformance.formats.terminology import set_terminology_dir

        set_terminology_dir(terminology)
    if fhir_packages:
        from conformance.formats.fhir.package import PackageError, set_active_packages

        try:
            set_active_packages(list(fhir_packages))
        except PackageError as exc:
            raise UsageFailure(str(exc)) from exc
    load_all_checks()
    wanted = _socle_names(socles) if socles else None
    results = [validate_path(f, socles=wanted) for f in files]
    if as_json:
        click.echo(json.dumps([r.to_json() for r in results], ensure_ascii=False, indent=2))
    else:
        for r in results:
            click.echo(f"{r.file}: {r.kind}: {r.verdict.upper()}")
            for f in r.findings:
                if f.verdict.value != "pass":
                    click.echo(
                        f"  {f.verdict.value.upper():<14} {f.requirement:<12} {f.location}\n  {'':14} {f.message_en}"
                    )
    sys.exit(1 if any(r.verdict == "fail" for r in results) else 0)


def _configure_schematron_pack(pack: Path | None, names: tuple[str, ...]) -> None:
    """Open the ANS pack once for the whole batch; a missing or foreign folder is a usage error."""
    from conformance.formats.schematron.pack import PackError
    from conformance.formats.schematron.runner import configure

    if pack is None:
        if names:
            raise UsageFailure("--schematron needs --schematron-pack DIR (a clone of ansforge/TestContenuCDA-3-0)")
        configure(None)
        return

    try:
        configure(pack, names)
    except PackError as exc:
        raise UsageFailure(str(exc)) from exc


@main.command()
@click.option("--socle", default="mssante", show_default=True, help="Which socle's service to run.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("reports/serve"),
    show_default=True,
    help="Folder for the PKI and the evidence journal.",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--smtp-port", default=0, type=int, help="SMTP submission port (0: any free port).")
@click.option("--imap-port", default=0, type=int, help="IMAP port (0: any free port).")
@click.option("--port", default=0, type=int, help="HTTPS port of the mock DMP (0: any free port).")
def serve(socle: str, out: Path, host: str, smtp_port: int, imap_port: int, port: int) -> None:
    """Run a socle's mock service standalone until Ctrl-C, recording every exchange."""
    if socle == "dmp":
        if host != "127.0.0.1":
            raise UsageFailure("the mock DMP listens on loopback only (127.0.0.1)")
        from conformance.socles.dmp.service.standalone import run_standalone as run_dmp

        run_dmp(out.resolve(), port=port)
        return
    if socle != "mssante":
        raise UsageFailure(f"no standalone service for socle {socle!r} yet (available: mssante, dmp)")
    from conformance.socles.mssante.service.standalone import run_standalone

    run_standalone(out.resolve(), host=host, smtp_port=smtp_port, imap_port=imap_port)


@main.command()
@click.option("--socle", "socles", multiple=True, help="Only these socles.")
@click.option("--json", "as_json", is_flag=True, help='JSON list of {"defect", "requirement"}.')
def defects(socles: tuple[str, ...], as_json: bool) -> None:
    """List the seeded defects of the reference DUI (use them as --dui demo:<defect>)."""
    from conformance.socle import get_socle

    rows = [d for n in _socle_names(socles) for d in get_socle(n).seeded_defects()]
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "defect": d.name,
                        "requirement": d.requirement,
                        "socle": d.socle,
                        "description": d.description,
                        "needs": list(d.needs),
                    }
                    for d in rows
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for d in rows:
        needs = f" (run with --socle {' --socle '.join(d.needs)})" if d.needs else ""
        click.echo(f"{d.socle:<13} {d.name:<34} {d.requirement:<12} {d.description}{needs}")


@main.command()
@click.option("--socle", "socles", multiple=True, help="Only these socles.")
@click.option("--coverage", is_flag=True, help="Show which scenarios verify each requirement.")
@click.option("--json", "as_json", is_flag=True)
def requirements(socles: tuple[str, ...], coverage: bool, as_json: bool) -> None:
    """List the requirement catalog; with --coverage, fail (1) if a checked EXIGENCE has no scenario."""
    from conformance.requirements import catalog_for, compute_coverage

    status = 0
    report: list[dict[str, Any]] = []
    for name in _socle_names(socles):
        cat = catalog_for(name)
        cov = compute_coverage(cat, _collect_marks(name)) if coverage else None
        for req in cat.requirements.values():
            row = req.to_json()
            if cov is not None:
                row["tests"] = cov.tests_by_requirement[req.id]
            report.append(row)
        if cov is not None and (cov.uncovered_exigences or cov.unknown_ids):
            status = 1
        if not as_json:
            click.echo(f"# {name}: {cat.title_en} (catalog {cat.version}, {len(cat.requirements)} requirements)")
            for req in cat.requirements.values():
                state = "checked" if req.checked else "NOT CHECKED"
                line = f"{req.id:<12} {req.level.value:<13} {state:<11} {', '.join(req.refs) or '-'}"
                if cov is not None and req.checked:
                    tests = cov.tests_by_requirement[req.id]
                    line += f"  <- {len(tests)} scenario(s)" if tests else "  <- UNCOVERED"
                click.echo(line)
            if cov is not None:
                click.echo(f"uncovered EXIGENCE: {', '.join(cov.uncovered_exigences) or 'none'}")
                click.echo(f"uncovered PRECONISATION: {', '.join(cov.uncovered_preconisations) or 'none'}")
                click.echo(
                    f"not checked by the harness (with reasons in the catalog): {', '.join(cov.not_checked) or 'none'}"
                )
                if cov.unknown_ids:
                    click.echo(f"scenarios naming unknown ids: {cov.unknown_ids}")
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    sys.exit(status)


def _collect_marks(socle_name: str) -> dict[str, list[str]]:
    """Collect the socle's suite with pytest (no run) and read each scenario's requirement marks."""
    import pytest

    from conformance.socle import get_socle

    marks: dict[str, list[str]] = {}

    class Collector:
        def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
            for item in items:
                ids = [rid for m in item.iter_markers("requirements") for rid in m.args]
                marks[f"{socle_name}::{Path(str(item.path)).stem}::{item.name}"] = ids

    suite = get_socle(socle_name).suite
    code = pytest.main(
        [
            str(suite),
            "--collect-only",
            "-qq",
            "-p",
            "no:cacheprovider",
            "-c",
            str(_empty_ini()),
            "--rootdir",
            str(suite),
        ],
        plugins=[Collector()],
    )
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        raise UsageFailure(f"could not collect the {socle_name} suite (pytest exit {int(code)})")
    return marks


@main.group()
def pki() -> None:
    """The test PKI (IGC-Santé-like test root, server, ORG client, rogue, expired, revoked)."""


@pki.command("init")
@click.argument("directory", type=click.Path(path_type=Path))
def pki_init(directory: Path) -> None:
    """Create (or reuse) the test PKI in DIRECTORY and print the paths of its files."""
    from conformance.formats.pki import TestPKI

    made = TestPKI.load_or_create(directory.resolve())
    for key, value in made.describe().items():
        click.echo(f"{key:<16} {value}")


@main.command()
@click.option("--json", "as_json", is_flag=True)
def socles(as_json: bool) -> None:
    """List the installed socles (plug-ins of the entry-point group conformance.socles)."""
    from conformance.requirements import catalog_for
    from conformance.socle import installed_socles

    rows = []
    for name, s in installed_socles().items():
        cat = catalog_for(name)
        rows.append(
            {
                "socle": name,
                "title_en": s.title_en,
                "title_fr": s.title_fr,
                "catalog_version": cat.version,
                "requirements": len(cat.requirements),
            }
        )
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        click.echo(
            f"{r['socle']:<14} {r['title_en']} (catalog {r['catalog_version']}, {r['requirements']} requirements)"
        )


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path, exists=True, file_okay=False))
@sign_options
def report(
    run_dir: Path, sign_key: Path | None, sign_cert: Path | None, policy: Path | None, langs: tuple[str, ...]
) -> None:
    """Rebuild and re-sign the certificate from RUN_DIR/results.json without re-running."""
    from conformance.certificate.issue import issue_certificate
    from conformance.certificate.policy import PolicyError
    from conformance.certificate.sign import SigningError

    path = run_dir / "results.json"
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
        out = issue_certificate(
            run_dir, results, policy=policy, key=sign_key, cert=sign_cert, langs=tuple(dict.fromkeys(("fr", *langs)))
        )
    except (OSError, ValueError, KeyError, TypeError, PolicyError, SigningError) as exc:
        raise UsageFailure(f"cannot build a certificate from {path}: {exc}") from exc
    click.echo(str(out))


@main.command()
@click.argument("certificate", type=click.Path(path_type=Path))
@click.option(
    "--evidence",
    type=click.Path(path_type=Path),
    default=None,
    help="Run folder, its evidence/ folder, or evidence.zip: re-hash every evidence file.",
)
@click.option(
    "--trust",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="PEM file of trusted signer CAs; without it only integrity and self-consistency are checked.",
)
@click.option("--json", "as_json", is_flag=True)
def verify(certificate: Path, evidence: Path | None, trust: Path | None, as_json: bool) -> None:
    """Answer valid/invalid for a certificate.html (exit 0 valid, 1 invalid)."""
    from conformance.certificate.verify import verify_certificate

    result = verify_certificate(certificate, evidence, trust)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo("valid" if result.valid else "invalid")
        for problem in result.problems:
            click.echo(f"  - {problem}")
        if result.valid and result.payload and result.payload.get("signer", {}).get("auto_attested"):
            click.echo("  (auto-attesté: signed by the producing installation's own key)")
    sys.exit(0 if result.valid else 1)


@main.command()
@click.argument("html", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--pdf", "pdf", is_flag=True, help="Export to PDF with headless Chromium (same layout as printed).")
@click.option(
    "--screenshot",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Also save a PNG screenshot of the first screen.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="PDF file (default: beside the HTML, .pdf).",
)
def certificate(html: Path, pdf: bool, screenshot: Path | None, out: Path | None) -> None:
    """Export a certificate.html to PDF (and/or a screenshot) through a real browser."""
    from conformance.certificate import browser

    if not pdf and screenshot is None:
        raise UsageFailure("nothing to do: give --pdf and/or --screenshot FILE")
    try:
        if pdf:
            click.echo(str(browser.print_pdf(html, out or html.with_suffix(".pdf"))))
        if screenshot is not None:
            click.echo(str(browser.screenshot(html, screenshot)))
    except browser.BrowserUnavailable as exc:
        raise UsageFailure(str(exc)) from exc


if __name__ == "__main__":
    main()
