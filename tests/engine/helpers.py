"""A toy third-party socle, written to a temporary folder and installed the way a plug-in is found.

It proves the engine and the CLI work for a socle the core has never heard of: a catalog of four
requirements, a check over a "text" artifact kind, two scenarios, an option with a configure hook,
a standalone service, a seeded defect and a Python driver (`OK`, `TOO_LONG`: the text the DUI says).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from conformance import registry
from conformance import socle as socle_module
from conformance.requirements import _CACHE
from conformance.socle import Defect, Option, Service, Socle

CATALOG = """
[catalog]
socle = "toy"
version = "1"
title_fr = "Socle jouet"
title_en = "Toy socle"

[[requirement]]
id = "TOY-01"
level = "EXIGENCE"
title_en = "Text is upper case"
text_fr = "Le texte DOIT être en majuscules."
source = "toy spec"

[[requirement]]
id = "TOY-02"
level = "EXIGENCE"
title_en = "Text is short"
text_fr = "Le texte DOIT être court."
source = "toy spec"

[[requirement]]
id = "TOY-03"
level = "PRECONISATION"
title_en = "Text ends with a dot"
text_fr = "Le texte DEVRAIT finir par un point."
source = "toy spec"
unsure = true

[[requirement]]
id = "TOY-04"
level = "EXIGENCE"
title_en = "Not checked here"
text_fr = "Non évaluée."
source = "toy spec"
checked = false
not_checked_reason = "needs a service the toy does not have"
"""

CHECKS = """
from conformance.messages import Text, finding
from conformance.model import Verdict
from conformance.registry import check


def _judge(rid, ok, good, bad):
    return finding(rid, Verdict.PASS if ok else Verdict.FAIL, Text(*(good if ok else bad)), "text")


@check("text", "toy", "TOY-01", "TOY-02", "TOY-03")
def text_rules(art, ctx):
    text = art.data.decode()
    yield _judge("TOY-01", text == text.upper(), ("upper", "majuscules"), ("not upper", "pas en majuscules"))
    yield _judge("TOY-02", len(text) < 20, ("short", "court"), ("too long", "trop long"))
    yield _judge("TOY-03", text.endswith("."), ("dot", "point"), ("no dot", "pas de point"))
"""

SUITE = '''
import pytest
from conformance.drivers.base import Action
from conformance.model import Artifact


@pytest.mark.requirements("TOY-01", "TOY-03")
def test_upper(verify):
    """Texte en majuscules"""
    verify.artifact(Artifact("text", "t.txt", b"HELLO"))


@pytest.mark.requirements("TOY-02")
def test_short(verify, dui):
    """Texte court"""
    text = dui.act(Action("toy.say")).data["text"].encode()
    verify.artifact(Artifact("text", "t.txt", text))
'''

DRIVER = """
from conformance.drivers.base import Driver, Outcome


class Ok(Driver):
    text = "OK"

    def configure(self, settings):
        pass

    def act(self, action, timeout=30.0):
        return Outcome("ok", {"text": self.text})


class TooLong(Ok):
    text = "THIS IS FAR TOO LONG FOR THE RULE"
"""

OK = "python:toy_socle.driver:Ok"  # --dui of a toy DUI whose text passes TOY-02
TOO_LONG = "python:toy_socle.driver:TooLong"  # ... and of one whose text fails it

OPTIONS = """
from conformance.engine.options import OptionError

SEEN = []


def configure(values):
    SEEN.append(dict(values))
    if values.get("toy_level") == "bad":
        raise OptionError("--toy-level: bad is not a level")
"""

SERVICE = """
def run(out_dir, host, ports, stop_event, echo):
    echo(f"toy service on {host} ports {dict(sorted(ports.items()))} in {out_dir}")
"""

TOY_OPTION = Option("toy-level", "how strict the toy is", commands=("run", "validate"), metavar="LEVEL")


def install_toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **fields: Any) -> Socle:
    """Write the toy package under `tmp_path`, install it beside the real socles, with a fresh check registry."""
    pkg = tmp_path / "toy_socle"
    (pkg / "suite").mkdir(parents=True)
    files = {"__init__.py": "", "checks.py": CHECKS, "options.py": OPTIONS, "service.py": SERVICE, "driver.py": DRIVER}
    for name, text in files.items():
        (pkg / name).write_text(text)
    (pkg / "suite" / "test_toy.py").write_text(SUITE)
    (pkg / "requirements.toml").write_text(CATALOG)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [m for m in sys.modules if m in ("toy_socle", "test_toy") or m.startswith("toy_socle.")]:
        monkeypatch.delitem(sys.modules, name)  # each test writes its own toy socle and suite
    toy = Socle(
        "toy",
        "Socle jouet",
        "Toy socle",
        pkg / "requirements.toml",
        pkg / "suite",
        checks=("toy_socle.checks",),
        **fields,
    )
    installed = dict(socle_module.installed_socles())
    installed["toy"] = toy
    monkeypatch.setattr(socle_module, "installed_socles", lambda: installed)
    monkeypatch.setattr(registry, "_REG", registry._Registry())
    _CACHE.pop("toy", None)
    return toy


FULL_TOY: Mapping[str, Any] = {
    "options": (TOY_OPTION,),
    "configure": "toy_socle.options:configure",
    "services": (Service("toy-svc", "Toy service", "toy_socle.service:run", ports={"web": 0}),),
    "defects": "tests.engine.helpers:TOY_DEFECTS",
}

TOY_DEFECTS = (Defect("toy-lower", "toy", "TOY-01", "writes in lower case"),)
