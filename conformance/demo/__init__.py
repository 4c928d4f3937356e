"""The reference DUI shipped with the harness, and its catalogue of seeded defects.

`DemoDriver()` passes every suite; `DemoDriver("<defect>")` (CLI: `--dui demo:<defect>`) makes
exactly one requirement fail. See defects.py for the list and switches.py for what each changes.
"""

from conformance.demo.defects import DEFECTS, Defect, defects_for

__all__ = ["DEFECTS", "Defect", "defects_for"]
