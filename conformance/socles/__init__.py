"""Built-in socles. Each registers itself through the `conformance.socles` entry points."""
