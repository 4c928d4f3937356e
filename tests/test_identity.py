"""Declared and observed identity: what names a software, what agrees, what does not count."""

from __future__ import annotations

from conformance.identity import DEMO, SOFTWARE, STRUCTURE, IdentityFact, Software, assess, product

DECLARED = {"name": "ACME DUI", "version": "3.2.1 build 45", "vendor": "ACME"}


def _fact(name: str, version: str = "", source: str = "http-user-agent", homologation: str = "") -> IdentityFact:
    return IdentityFact("x", source, SOFTWARE, name, version, homologation, f"{name}/{version}")


def test_products_are_read_from_agents_and_mailers() -> None:
    assert product("ACME-DUI/3.2.1 (Windows NT 10.0)") == ("ACME-DUI", "3.2.1")
    assert product("ACME DUI v3.2") == ("ACME DUI", "3.2")
    assert product("Microsoft Outlook 16.0") == ("Microsoft Outlook", "16.0")
    assert product("") == ("", "")
    assert Software("ACME DUI", "3.2.1").product == "ACME-DUI/3.2.1"


def test_statuses() -> None:
    assert assess(DECLARED, [_fact("ACME-DUI", "3.2.1"), _fact("acme dui", "", "vihf")]).status == "identified"
    assert assess(DECLARED, [_fact("ACME-DUI", "3.3")]).status == "mismatch"
    assert assess(DECLARED, [_fact("OTHER DUI", "3.2.1")]).status == "mismatch"
    assert assess(DECLARED, [_fact(DEMO.name, DEMO.version)]).status == "demo"
    assert assess(DECLARED, [_fact("X", "1", "vihf", DEMO.homologation)]).status == "demo"
    assert assess({"name": "ACME DUI"}, [_fact("ACME-DUI", "3.2.1")]).status == "not-declared"
    generic = [_fact("Python-urllib", "3.11"), IdentityFact("x", "tls-client-certificate", STRUCTURE, "EHPAD")]
    assert assess(DECLARED, generic).status == "not-observed"  # a library and a structure name no software
    assert assess(DECLARED, [*generic, _fact("ACME-DUI", "3.2.1")]).counts


def test_the_demo_names_itself_so() -> None:
    assert DEMO.name == "DUI-CONFORMANCE-DEMO" and DEMO.homologation
