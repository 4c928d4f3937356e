"""Drivers: how the harness asks the DUI under test to act.

`base` is the contract every driver keeps, `registry.load(spec)` turns a `--dui` spec into a driver
(`demo`, `python:`, `http(s)://`, `manual`), `guard` wraps any driver so that a crash or a hang fails
the scenario clearly, `bridge` serves a driver over the http protocol. This package imports none of its
modules: import them by their full path.
"""
