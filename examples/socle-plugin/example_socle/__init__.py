"""The greeting socle: a DUI greets a resident through a tiny HTTP service, and the greeting is judged.

Everything the harness knows of this socle is on this object; the harness's core is never edited.
"""

from __future__ import annotations

from pathlib import Path

from conformance.socle import Kind, Service, Socle

HERE = Path(__file__).resolve().parent

SOCLE = Socle(
    name="greeting",
    title_fr="Salutation (socle d'exemple)",
    title_en="Greeting (example socle)",
    catalog=HERE / "requirements.toml",
    suite=HERE / "suite",
    checks=("example_socle.checks",),
    kinds=(
        Kind("greeting", "greeting text", "texte de salutation", sniff="example_socle.checks:is_greeting", order=5),
    ),
    fixtures="example_socle.fixtures",
    services=(Service("greeter", "Greeting service (HTTP)", "example_socle.service:run", ports={"http": 0}),),
    manual="example_socle.reference:PROMPTS",
    reference="example_socle.reference:GreetingPart",
    defects="example_socle.reference:DEFECTS",
)
