"""The DMP socle's options: the official ANS CDA rule pack (`--schematron-pack DIR [--schematron NAME]`).

Called through `Socle.apply_options` by both front doors, before a run or a validation, and again with
the defaults after an in-process run. The pack is opened once here for the whole run or batch; a
missing or foreign folder, or an unknown schematron name, is the user's to fix: a usage error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance.engine.options import OptionError
from conformance.formats.schematron.pack import PackError
from conformance.formats.schematron.runner import configure as configure_pack


def configure(values: Mapping[str, Any]) -> None:
    pack = values.get("schematron_pack")
    names = tuple(values.get("schematron") or ())
    if pack is None and names:
        raise OptionError("--schematron needs --schematron-pack DIR (a clone of ansforge/TestContenuCDA-3-0)")
    try:
        configure_pack(pack, names)
    except PackError as exc:
        raise OptionError(f"--schematron-pack: {exc}") from exc
