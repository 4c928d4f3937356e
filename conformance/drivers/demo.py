"""`--dui demo` and `--dui demo:<defect>`: the reference DUI, in process."""

from __future__ import annotations

from conformance.drivers.base import Driver


def make(defect: str | None) -> Driver:
    from conformance.demo.dui import DemoDriver

    return DemoDriver(defect or None)
