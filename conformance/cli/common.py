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

from conformance.engine.options import OptionError, click_option, options_for, socle_names
from conformance.socle import Option


class UsageFailure(click.ClickException):
    exit_code = 2


class SharedOptions(click.Command):
    """A command that offers, before its own, the shared options naming it (`Option.commands`).

    They are read from the core and the installed socles when the command is used, not when the module
    is imported: a socle's options are there as soon as the socle is. Values reach the callback as
    keyword arguments named by `Option.dest`.
    """

    _shared: tuple[tuple[Option, ...], list[click.Parameter]] = ((), [])

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        options = options_for(self.name or "")
        if options != self._shared[0]:  # the same objects for one parse: click compares them by identity
            self._shared = (options, [click_option(o) for o in options])
        return [*self._shared[1], *super().get_params(ctx)]


@contextmanager
def usage_errors(lang: str = "en") -> Iterator[None]:
    """An `OptionError` raised inside (by the engine or a socle's configure hook) becomes exit 2.

    One that carries its text in both languages (`text`, the preflight's) is said in `lang`."""
    try:
        yield
    except OptionError as exc:
        text = getattr(exc, "text", None)
        raise UsageFailure(getattr(text, lang, None) or str(exc)) from exc


def socles_from(raw: Iterable[str], among: Iterable[str] | None = None) -> list[str]:
    """`--socle` values -> installed socle names (none or 'all': every one of `among`); exit 2 if unknown."""
    with usage_errors():
        return socle_names(raw, among)


def echo_json(data: Any) -> None:
    """JSON on stdout and nothing else there: diagnostics of a `--json` command go to stderr."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))
