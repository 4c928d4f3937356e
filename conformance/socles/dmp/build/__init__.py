"""Builders of DMP feed artifacts (VIHF, XDS metadata, MTOM requests) used by the reference DUI and tests."""
