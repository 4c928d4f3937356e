"""The Jinja2 environments of the surfaces a person reads (certificate, dossier, kit, web console), with their
compiled templates kept between processes.

Compiling the certificate's template costs about 0.14 s, paid by every process that issues a certificate (each
run, each parallel run's controller, `conformance report`): Jinja2's own file-system bytecode cache keeps the
compiled code in the user cache ($CONFORMANCE_TEMPLATE_CACHE, else $XDG_CACHE_HOME/dui-conformance/templates),
keyed by the template's name and a checksum of its source, so an edited template is compiled again. A cache
folder that cannot be written means no cache, never a failed render.
"""

from __future__ import annotations

import os
from typing import Any

from jinja2 import BytecodeCache, Environment, FileSystemBytecodeCache, PackageLoader

from conformance.paths import user_cache


def _bytecode_cache() -> BytecodeCache | None:
    folder = user_cache("templates", "CONFORMANCE_TEMPLATE_CACHE")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return FileSystemBytecodeCache(str(folder)) if os.access(folder, os.W_OK | os.X_OK) else None


def environment(package: str, **options: Any) -> Environment:
    """An environment over `package`'s templates/ folder, with the bytecode cache when one can be kept."""
    return Environment(loader=PackageLoader(package, "templates"), bytecode_cache=_bytecode_cache(), **options)
