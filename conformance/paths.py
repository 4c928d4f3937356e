"""Where the shipped data lives, in a source checkout and in an installed wheel alike."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def profiles_dir() -> Path:
    """`profiles/` is top-level in the repository and `conformance/_profiles` in a wheel."""
    packaged = PACKAGE_DIR / "_profiles"
    if packaged.is_dir():
        return packaged
    return PACKAGE_DIR.parent / "profiles"


def fixtures_dir() -> Path:
    packaged = PACKAGE_DIR / "_fixtures"
    if packaged.is_dir():
        return packaged
    return PACKAGE_DIR.parent / "fixtures"


def user_cache(name: str, override: str) -> Path:
    """$<override>, else $XDG_CACHE_HOME/dui-conformance/<name>, else ~/.cache/dui-conformance/<name>: where what
    the harness makes once per machine is kept (the test PKI, the reduced PDF font, compiled schematrons and
    templates)."""
    explicit = os.environ.get(override)
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")) / "dui-conformance" / name
