"""`conformance certificate HTML --pdf`: a certificate exported through a real browser, as printed."""

from __future__ import annotations

from pathlib import Path

import click

from conformance.cli.common import UsageFailure

FILE = click.Path(path_type=Path, dir_okay=False)


@click.command()
@click.argument("html", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--pdf", "pdf", is_flag=True, help="Export to PDF with headless Chromium (same layout as printed).")
@click.option("--screenshot", type=FILE, help="Also save a PNG screenshot of the first screen.")
@click.option("--out", type=FILE, help="PDF file (default: beside the HTML, .pdf).")
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
