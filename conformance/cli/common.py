"""What every `conformance` command shares: the usage failure (exit 2), socle names, JSON output.

Exit status of every command: 0 success, 1 conformance failure (a finding failed, an EXIGENCE not
met, an invalid certificate), 2 usage or environment error.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from conformance.engine.options import OptionError, socle_names


class UsageFailure(click.ClickException):
    exit_code = 2


@contextmanager
def usage_errors() -> Iterator[None]:
    """An `OptionError` raised inside (by the engine or a socle's configure hook) becomes exit 2."""
    try:
        yield
    except OptionError as exc:
        raise UsageFailure(str(exc)) from exc


def socles_from(raw: Iterable[str], among: Iterable[str] | None = None) -> list[str]:
    """`--socle` values -> installed socle names (none or 'all': every one of `among`); exit 2 if unknown."""
    with usage_errors():
        return socle_names(raw, among)


def echo_json(data: Any) -> None:
    """JSON on stdout and nothing else there: diagnostics of a `--json` command go to stderr."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))
