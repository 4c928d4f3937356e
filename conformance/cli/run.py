"""`conformance run`: start the mock services, drive the DUI through every scenario, write the run folder."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from conformance.cli.common import SharedOptions, UsageFailure, jobs_option, usage_errors


@click.command(cls=SharedOptions)
@click.option("-k", "keyword", default=None, help="Only scenarios matching this pytest -k expression.")
@click.option("--verbose", "-v", is_flag=True, help="Show pytest's own output as well.")
@jobs_option("Parallel workers, each with its own DUI and mock services; one merged run folder (demo/python: drivers).")
def run(keyword: str | None, verbose: bool, jobs: int, **values: object) -> None:
    """Start the mock services, drive the DUI through every scenario, write the run folder."""
    from dataclasses import replace

    from conformance.engine.parallel import check_driver
    from conformance.engine.request import RunRequest
    from conformance.engine.run import execute, prepared

    with usage_errors():
        request = prepared(RunRequest.from_values(values, keyword=keyword, verbosity=int(verbose), progress=True))
    problem = check_driver(request.dui, jobs)
    if problem:
        raise UsageFailure(problem)
    request = replace(request, jobs=jobs)
    assert request.out is not None
    click.echo(f"conformance run: socles {', '.join(request.socles)}, DUI {request.dui}, output {request.out}")
    code = execute(request)
    if code != 2:
        summary(request.out)
    sys.exit(code)


def summary(out: Path) -> None:
    """Per socle its verdict, and each requirement that failed or that no scenario judged."""
    from conformance.engine.run import read_results

    results = read_results(out) or {"socles": {}}
    for name, s in results["socles"].items():
        counts = ", ".join(f"{k} {v}" for k, v in sorted(s["counts"].items()))
        click.echo(f"{name}: {s['verdict'].upper()} ({counts})")
        for rid, q in s["requirements"].items():
            if q["verdict"] == "fail" or (q["verdict"] == "not-tested" and q["checked"]):
                click.echo(f"  {q['verdict'].upper():<10} {rid} {q['title_en']}")
    click.echo(f"results: {out / 'results.json'}\ncertificate: {out / 'certificate.html'}")
