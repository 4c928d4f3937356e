"""E-prescription scenarios (pytest), to come with the e-prescription service and the demo DUI."""
