"""The mock DMP: an IHE XDS.b ITI-41 endpoint (SOAP 1.2 / MTOM) over HTTPS with mutual TLS."""

from .app import PATH, DmpService
from .records import Exchange

__all__ = ["PATH", "DmpService", "Exchange"]
