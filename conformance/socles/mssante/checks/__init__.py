"""MSSanté checks (registered on import)."""
