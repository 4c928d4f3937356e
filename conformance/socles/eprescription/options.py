"""The e-prescription socle's options: FHIR IG packages (`--fhir-package PATH`, repeatable).

Called through `Socle.apply_options` by both front doors: the packages are loaded once here, so a
path that is not a FHIR package fails as a usage error before any Bundle is judged; no package (the
default, also applied after an in-process run) goes back to the harness's own rule set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance.engine.options import OptionError
from conformance.formats.fhir.package import PackageError, set_active_packages


def configure(values: Mapping[str, Any]) -> None:
    try:
        set_active_packages(list(values.get("fhir_package") or ()))
    except PackageError as exc:
        raise OptionError(f"--fhir-package: {exc}") from exc
