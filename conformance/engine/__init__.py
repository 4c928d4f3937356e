"""The engine: runs, scenario verification, results, the evidence journal, artifact mode."""
