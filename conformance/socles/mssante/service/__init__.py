"""The mock MSSanté operator (SMTP submission + IMAP with real TLS) and what it records."""

from conformance.socles.mssante.service.operator import Operator
from conformance.socles.mssante.service.records import SessionRecord, Submission

__all__ = ["Operator", "SessionRecord", "Submission"]
