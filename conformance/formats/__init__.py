"""Formats the harness reads and writes, independent of any socle.

MIME, ebRIM, INS, PKI, safe zip and XML parsing, terminology, FHIR and schematron.
"""
