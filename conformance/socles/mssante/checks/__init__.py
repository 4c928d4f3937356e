"""MSSanté checks, one module per family of rules, and the readers that give them their subject.

The socle loads them (its `checks` hook lists the modules); importing a module registers its
readers or checks with `conformance.registry`.
"""
