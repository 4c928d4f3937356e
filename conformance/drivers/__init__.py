"""Drivers: how the harness asks the DUI under test to act."""

from conformance.drivers.base import Action, Driver, DriverError, Outcome, load_driver

__all__ = ["Action", "Driver", "DriverError", "Outcome", "load_driver"]
