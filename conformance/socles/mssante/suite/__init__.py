"""The MSSanté scenarios (pytest). Each names the requirements it verifies."""
