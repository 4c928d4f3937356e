"""The certificate computed from a run (rendering now; signing and counting policy come next)."""
