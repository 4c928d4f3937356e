"""DMP scenarios (pytest): none yet, they need the mock DMP service of a later session."""
