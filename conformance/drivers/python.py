"""`--dui python:package.module:Class`: a driver written in Python, instantiated with no argument."""

from __future__ import annotations

import importlib
import traceback

from conformance.drivers.base import Driver, DriverError


def load_python(spec: str) -> Driver:
    """Import, instantiate and check the class; every failure is a DriverError naming what to fix."""
    target = spec.removeprefix("python:")
    module_name, _, attr = target.rpartition(":")
    if not module_name or not attr:
        raise DriverError(
            f"python driver spec must be python:package.module:Class, got {spec!r}", "dui-python-spec", spec=spec
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise DriverError(
            f"cannot load {spec!r}: {exc}", "dui-python-import", module=module_name, reason=_last_line(exc)
        ) from exc
    except Exception as exc:  # the module itself crashed while being imported
        raise DriverError(
            f"cannot load {spec!r}: {exc}", "dui-python-crashed", spec=spec, reason=_last_line(exc)
        ) from exc
    cls = getattr(module, attr, None)
    if cls is None:
        raise DriverError(f"{module_name!r} has no {attr!r}", "dui-python-attribute", module=module_name, name=attr)
    try:
        driver = cls()
    except Exception as exc:
        raise DriverError(
            f"cannot create {spec!r}: {exc}", "dui-python-crashed", spec=spec, reason=_last_line(exc)
        ) from exc
    if not all(callable(getattr(driver, m, None)) for m in ("configure", "act")):
        raise DriverError(
            f"{spec!r} does not implement configure(settings) and act(action, timeout)",
            "dui-python-not-driver",
            spec=spec,
        )
    return driver


def _last_line(exc: BaseException) -> str:
    return traceback.format_exception_only(type(exc), exc)[-1].strip()
