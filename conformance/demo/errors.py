"""The reference DUI's answer when a rule forbids what it is asked (driver status "refused")."""

from __future__ import annotations


class Refused(Exception):
    """A rule forbids the action; `str(exc)` is what the user is told."""
