"""dui-conformance: conformance harness for French DUI software against the services socles."""

__version__ = "0.1.0"
