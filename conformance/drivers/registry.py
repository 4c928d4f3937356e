"""Driver specs -> driver instances: `demo`, `demo:<defect>`, `python:pkg.module:Class`, `http(s)://...`,
`manual[:PORT|:terminal]`. Each kind is imported only when asked for (the demo imports every installed socle's part)."""

from __future__ import annotations

from conformance.drivers.base import Driver, DriverError


def load(spec: str) -> Driver:
    if spec == "demo" or spec.startswith("demo:"):
        from conformance.demo import DemoDriver

        return DemoDriver(spec.split(":", 1)[1] or None if ":" in spec else None)  # "demo:" is the demo
    if spec.startswith(("http://", "https://")):
        from conformance.drivers.http import HttpDriver

        return HttpDriver(spec)
    if spec == "manual" or spec.startswith("manual:"):
        from conformance.drivers.manual import ManualDriver

        option = spec.partition(":")[2]
        if option == "terminal":
            return ManualDriver(mode="terminal")
        if option.isdigit() and int(option) <= 65535:
            return ManualDriver(port=int(option))
        if option:
            raise DriverError(
                f"unknown manual driver option in {spec!r} (manual, manual:PORT, manual:terminal)",
                "dui-unknown",
                spec=spec,
            )
        return ManualDriver()
    if spec.startswith("python:"):
        from conformance.drivers.python import load_python

        return load_python(spec)
    raise DriverError(
        f"unknown driver spec {spec!r} (demo, demo:<defect>, python:mod:Class, http://..., manual)",
        "dui-unknown",
        spec=spec,
    )
