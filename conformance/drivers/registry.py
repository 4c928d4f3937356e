"""Driver specs -> driver instances."""

from __future__ import annotations

import importlib

from conformance.drivers.base import Driver, DriverError


def load(spec: str) -> Driver:
    if spec == "demo" or spec.startswith("demo:"):
        from conformance.drivers.demo import make

        defect = spec.split(":", 1)[1] if ":" in spec else None
        return make(defect)
    if spec.startswith(("http://", "https://")):
        from conformance.drivers.http import HttpDriver

        return HttpDriver(spec)
    if spec == "manual":
        from conformance.drivers.manual import ManualDriver

        return ManualDriver()
    if spec.startswith("python:"):
        target = spec[len("python:") :]
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
    raise DriverError(f"unknown driver spec {spec!r} (demo, demo:<defect>, python:mod:Class, http://..., manual)")
