"""`formats.fhir.shape_table`: the structure the shape walker checks, read from the models once and kept (no
requirement: the engine's start-up; `test_engine.test_fast_shape_agrees_with_pydantic_models` keeps the
walker's verdicts those of the models)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conformance.formats.fhir.models import model_class
from conformance.formats.fhir.shape_table import ShapeTable, class_of, ref_of, slots_from_model

BUNDLE = {
    "resourceType": "Bundle",
    "type": "collection",
    "entry": [{"resource": {"resourceType": "Patient", "gender": "bogus", "colour": "red"}}],
}


def test_a_table_read_back_is_the_one_computed_from_the_models(tmp_path: Path) -> None:
    path = tmp_path / "shapes.json"
    first = ShapeTable(path)
    ref = first.resource("MedicationRequest")
    assert ref is not None and class_of(ref) is model_class("MedicationRequest")
    assert first.computed > 10 and path.is_file()  # MedicationRequest and the models it reaches
    again = ShapeTable(path)
    assert again.resource("MedicationRequest") == ref
    todo, seen = [ref], set()
    while todo:  # every model reached: the same table, computed or read
        r = todo.pop()
        if r in seen:
            continue
        seen.add(r)
        shape = again.shape(r)
        assert shape.table == slots_from_model(class_of(r)) and shape.name == class_of(r).__name__
        todo.extend(s.klass for s in shape.table.values() if s.klass is not None)
    assert again.computed == 0 and len(seen) > 10
    assert ShapeTable(path).resource("Basic") != ref and ShapeTable(path).resource("NotAType") is None


def test_an_unreadable_table_is_computed_again(tmp_path: Path) -> None:
    path = tmp_path / "shapes.json"
    for broken in ("[not json", '{"schema": 1, "resources": {}, "shapes": {"x:Y": {"name": "Y", "slots": {"a": 3}}}}'):
        path.write_text(broken)
        table = ShapeTable(path)
        ref = table.resource("Patient")
        assert ref == ref_of(model_class("Patient")) and table.computed > 0
        assert json.loads(path.read_text())["resources"]["Patient"] == ref  # and written back whole


PROBE = f"""
import sys
from conformance.formats.fhir.base import check_structure
issues = check_structure({BUNDLE!r}, "Bundle")
print(sorted(i.path for i in issues if i.is_error))
print(sorted(m for m in ("fhir.resources", "pydantic", "fhir_core") if m in sys.modules))
"""


def test_a_process_with_the_table_kept_imports_no_model(tmp_path: Path) -> None:
    env = {**os.environ, "CONFORMANCE_FHIR_SHAPES_CACHE": str(tmp_path)}

    def run() -> list[str]:
        out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, env=env)
        assert out.returncode == 0, out.stderr[-2000:]
        return out.stdout.splitlines()

    cold, warm = run(), run()
    assert cold[0] == warm[0] and "gender" in cold[0] and "colour" in cold[0]  # the same verdicts
    assert cold[1] != "[]" and warm[1] == "[]"  # the first read the models, the second only the table
