"""`--dui python:package.module:Class`: a driver written in Python, instantiated with no argument."""

from __future__ import annotations

import importlib

from conformance.drivers.base import Driver, DriverError


def load_python(spec: str) -> Driver:
    target = spec.removeprefix("python:")
    module_name, _, attr = target.rpartition(":")
    if not module_name or not attr:
        raise DriverError(f"python driver spec must be python:package.module:Class, got {spec!r}")
    try:
        module = importlib.import_module(module_name)
        cls = getattr(module, attr)
    except (ImportError, AttributeError) as exc:
        raise DriverError(f"cannot load {spec!r}: {exc}") from exc
    driver = cls()
    if not all(callable(getattr(driver, m, None)) for m in ("configure", "act")):
        raise DriverError(f"{spec!r} does not implement configure(settings) and act(action, timeout)")
    return driver
