"""The mock DMP: an IHE XDS.b ITI-41 endpoint (SOAP 1.2 / MTOM) over HTTPS with mutual TLS.

`app.DmpService` is the service (ITI-41, ITI-18, ITI-43, TD0.2); `records.Exchange` one exchange
it answered. This package imports none of its modules, so that they may import each other freely.
"""
