"""`conformance run`: start the mock services, drive the DUI through every scenario, write the run folder."""

from __future__ import annotations

import sys

import click

from conformance.cli.common import SharedOptions, usage_errors


@click.command(cls=SharedOptions)
@click.option("-k", "keyword", default=None, help="Only scenarios matching this pytest -k expression.")
@click.option("--verbose", "-v", is_flag=True, help="Show pytest's own report and tracebacks as well.")
def run(keyword: str | None, verbose: bool, **values: object) -> None:
    """Start the mock services, drive the DUI through every scenario, write the run folder.

    Exit status: 0 every checked EXIGENCE passed, 1 one did not, 2 usage error (nothing run, no run
    folder), 130 interrupted (Ctrl-C).
    """
    from conformance.engine.console import Console, console_lang
    from conformance.engine.preflight import PreflightError
    from conformance.engine.request import RunRequest
    from conformance.engine.run import INTERRUPTED, execute, prepared

    with usage_errors():
        request = prepared(RunRequest.from_values(values, keyword=keyword, verbosity=int(verbose), progress=True))
    assert request.out is not None
    console = Console(console_lang(request.langs), sys.stdout)
    if verbose:
        console.line("run-header", socles=", ".join(request.socles), dui=request.dui, out=request.out)
    try:
        try:
            code = execute(request, None if verbose else console)
        except PreflightError as exc:
            click.echo(console.say("usage", message=console.say_text(exc.text)), err=True)
            sys.exit(2)
        if code != 2:
            console.summary(request.out)
        if code == INTERRUPTED:
            console.line("run-interrupted")
    except KeyboardInterrupt:  # a second Ctrl-C, while the certificate is written or the summary printed
        console.line("run-interrupted")
        code = INTERRUPTED
    sys.exit(code)
