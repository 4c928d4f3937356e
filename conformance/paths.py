"""Where the shipped data lives, in a source checkout and in an installed wheel alike."""

from __future__ import annotations

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
