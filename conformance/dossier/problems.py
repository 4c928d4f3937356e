"""What is wrong with a dossier's inputs, each at its place (file and line), worded by name.

Messages live in `dossier/messages.toml`, French and English with the same fields, read through
`conformance.messages.Messages` like every finding of the harness. An "error" leaves the dossier
"incomplet" (something must be corrected before it is filed); a "warning" is shown on its line and
changes nothing else; a "condition" is a programme condition the line does not meet (no certificate
for its DUI version...), which makes the conditions "non remplies", not the dossier incomplete.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.messages import Messages, Text

M = Messages(Path(__file__).with_name("messages.toml"), "dossier")

ERROR = "error"  # an input to correct: the dossier is "incomplet"
WARNING = "warning"  # shown on its line, changes nothing else
CONDITION = "condition"  # a programme condition this line does not meet (the verdict says so, not the completeness)


@dataclass(frozen=True)
class Problem:
    source: str  # the members file, or a certificate file name
    line: int | None  # line of that file (1 = the header row); None when not tied to a line
    field: str  # the column or part concerned ("" for the whole line or file)
    severity: str  # ERROR | WARNING | CONDITION
    key: str
    text: Text

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "line": self.line,
            "field": self.field,
            "severity": self.severity,
            "key": self.key,
            "fr": self.text.fr,
            "en": self.text.en,
        }


def problem(source: str, line: int | None, field: str, severity: str, key: str, **params: Any) -> Problem:
    return Problem(source, line, field, severity, key, M.text(key, **params))
