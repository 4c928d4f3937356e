"""INS rules on the CDA recordTarget (DMP-I01..I05).

Sources: TestContenuCDA CDA-FO.xsl INS roots and the StrucMin "traits INS" assert; the NIR key
rule; RNIV EXI SI 08 (only a qualified identity feeds the DMP) (specs/dmp.md §3.2, §5).

Which INS roots are acceptable depends on where the document goes: `ctx.extra["ins_environment"]`
is "production" (.8/.9 only) or "test" (.10/.11 only); in artifact mode (unset) both are
accepted, but never together in one document.
"""

from __future__ import annotations

import re
import unicodedata

from conformance.formats.ins import OID_INS_NIA, OID_INS_NIR, PRODUCTION_OIDS, TEST_OIDS, nir_problem
from conformance.model import CheckContext

from .cda_doc import INS_C_OID, CdaDoc
from .collector import Collector
from .xpaths import first, text_of, where

I01, I02, I03, I04, I05 = "DMP-I01", "DMP-I02", "DMP-I03", "DMP-I04", "DMP-I05"
NIR_ROOTS = (OID_INS_NIR, "1.2.250.1.213.1.4.10", "1.2.250.1.213.1.4.11")
_COG = re.compile(r"^[0-9][0-9AB][0-9]{3}$")
PATIENT = "cda:recordTarget/cda:patientRole/cda:patient"


def environment(ctx: CheckContext) -> str | None:
    env = ctx.extra.get("ins_environment")
    return env if env in ("production", "test") else None


def rules(doc: CdaDoc, out: Collector, ctx: CheckContext) -> None:
    ins = _root_and_count(doc, out, ctx)
    if ins is None:
        return
    root, ext, loc = ins
    _key(root, ext, loc, out)
    _traits(doc, out)
    qualified(ext, loc, out, ctx)
    _insi_style(doc, out)


def _root_and_count(doc: CdaDoc, out: Collector, ctx: CheckContext) -> tuple[str, str, str] | None:
    ids = doc.patient_ids()
    target = doc.at("cda:recordTarget/cda:patientRole")
    base = where(target) if target is not None else where(doc.root, "cda:recordTarget/cda:patientRole")
    out.cover(
        I01,
        "recordTarget carries exactly one INS under an accepted root",
        "le recordTarget porte exactement un INS sous une racine acceptée",
        base,
    )
    for pid in ids:
        if pid.get("root") == INS_C_OID:
            out.fail(
                I01,
                "INS-C (1.2.250.1.213.1.4.2) is obsolete and refused by the DMP",
                "l'INS-C (1.2.250.1.213.1.4.2) est obsolète et refusé par le DMP",
                where(pid),
            )
    ins_ids = doc.ins_ids()
    if not ins_ids:
        out.fail(
            I01,
            "recordTarget carries no INS (roots 1.2.250.1.213.1.4.8/.9/.10/.11): the DMP is indexed by INS",
            "le recordTarget ne porte aucun INS (racines 1.2.250.1.213.1.4.8/.9/.10/.11) : le DMP est indexé par l'INS",
            base + "/cda:id",
        )
        return None
    roots = {i.get("root", "") for i in ins_ids}
    if roots & set(PRODUCTION_OIDS) and roots & set(TEST_OIDS):
        out.fail(
            I01,
            f"test INS mixed with production INS in one document ({', '.join(sorted(roots))})",
            f"INS de test mêlé à un INS de production dans le même document ({', '.join(sorted(roots))})",
            where(ins_ids[1]),
        )
    elif len(ins_ids) > 1:
        out.fail(
            I01,
            f"recordTarget carries {len(ins_ids)} INS ids, exactly one expected",
            f"le recordTarget porte {len(ins_ids)} identifiants INS, un seul attendu",
            where(ins_ids[1]),
        )
    first_ins = ins_ids[0]
    root, ext, loc = first_ins.get("root", ""), first_ins.get("extension", ""), where(first_ins)
    env = environment(ctx)
    if env == "production" and root not in PRODUCTION_OIDS:
        out.fail(
            I01,
            f"test INS root {root} sent to the production DMP (expected .8 or .9)",
            f"racine d'INS de test {root} envoyée au DMP de production (attendu .8 ou .9)",
            loc,
        )
    elif env == "test" and root not in TEST_OIDS:
        out.fail(
            I01,
            f"production INS root {root} used on the test platform (synthetic data use .10/.11)",
            f"racine d'INS de production {root} utilisée sur la plateforme de test (données fictives : .10/.11)",
            loc,
        )
    if len(ext) != 15:
        out.fail(I01, f"INS {ext!r} is not 15 characters", f"l'INS {ext!r} ne fait pas 15 caractères", loc)
    return root, ext, loc


def _key(root: str, ext: str, loc: str, out: Collector) -> None:
    if root == OID_INS_NIA:
        out.not_applicable(
            I02,
            "INS-NIA: the NIR key rule applies to INS-NIR roots only",
            "INS-NIA : la règle de clé NIR ne vaut que pour les INS-NIR",
            loc,
        )
        return
    if root not in NIR_ROOTS:
        return
    problem = nir_problem(ext)
    if problem:
        out.fail(I02, problem, f"INS-NIR invalide : {problem}", loc)
    else:
        out.cover(I02, f"INS-NIR {ext} has a valid key", f"l'INS-NIR {ext} a une clé valide", loc)


def _traits(doc: CdaDoc, out: Collector) -> None:
    patient = doc.patient()
    base = where(patient) if patient is not None else where(doc.root, PATIENT)
    out.cover(I03, "all INS traits are present", "tous les traits INS sont présents", base)
    checks = (
        ("cda:name/cda:family[@qualifier='BR']", "birth name family@BR", "nom de naissance family@BR"),
        ("cda:name/cda:given[@qualifier='BR']", "first birth given name given@BR", "premier prénom given@BR"),
        (
            "cda:name/cda:given[not(@qualifier)]",
            "list of birth given names (given without qualifier)",
            "liste des prénoms de naissance (given sans qualifiant)",
        ),
    )
    for path, en, fr in checks:
        if patient is None or not text_of(first(patient, path)):
            out.fail(I03, f"INS trait missing: {en}", f"trait INS absent : {fr}", base + "/" + path)
    birth = first(patient, "cda:birthTime") if patient is not None else None
    if birth is None or not birth.get("value"):
        out.fail(I03, "INS trait missing: birthTime", "trait INS absent : birthTime", base + "/cda:birthTime")
    county = first(patient, "cda:birthplace/cda:place/cda:addr/cda:county") if patient is not None else None
    cog = text_of(county)
    if not _COG.match(cog):
        out.fail(
            I03,
            f"INS trait birthplace county must be a 5-character COG code (found {cog!r})",
            f"le trait INS birthplace/county doit être un code COG de 5 caractères (trouvé {cog!r})",
            where(county) if county is not None else base + "/cda:birthplace/cda:place/cda:addr/cda:county",
        )
    gender = first(patient, "cda:administrativeGenderCode") if patient is not None else None
    if gender is None or gender.get("code") not in ("F", "M", "UN"):
        out.fail(
            I03,
            "INS trait administrativeGenderCode must be F, M or UN",
            "le trait INS administrativeGenderCode doit valoir F, M ou UN",
            where(gender) if gender is not None else base + "/cda:administrativeGenderCode",
        )


def qualified(ext: str, loc: str, out: Collector, ctx: CheckContext) -> None:
    """DMP-I04 for the INS `ext`: fails when the scenario's identity is not qualified."""
    patient = ctx.patient
    if not patient or "qualified" not in patient:
        out.not_applicable(
            I04,
            "identity status unknown here (artifact mode): checked in scenarios",
            "statut d'identité inconnu ici (mode fichier) : vérifié dans les scénarios",
            loc,
        )
        return
    if patient.get("ins") and patient["ins"] != ext:
        return
    if patient["qualified"]:
        out.cover(I04, "the identity fed is qualified (QUAL)", "l'identité versée est qualifiée (QUAL)", loc)
    else:
        out.fail(
            I04,
            f"a document with INS {ext} was fed although the identity is not qualified (EXI SI 08)",
            f"un document portant l'INS {ext} a été versé alors que l'identité n'est pas qualifiée (EXI SI 08)",
            loc,
        )


def _plain_upper(value: str) -> bool:
    decomposed = unicodedata.normalize("NFD", value)
    return value == value.upper() and not any(unicodedata.combining(c) for c in decomposed)


def _insi_style(doc: CdaDoc, out: Collector) -> None:
    patient = doc.patient()
    if patient is None:
        return
    given_br = first(patient, "cda:name/cda:given[@qualifier='BR']")
    given_all = first(patient, "cda:name/cda:given[not(@qualifier)]")
    family_br = first(patient, "cda:name/cda:family[@qualifier='BR']")
    if given_br is None or given_all is None or family_br is None:
        return
    out.cover(I05, "birth names follow the INSi form", "les noms de naissance suivent la forme INSi", where(patient))
    tokens = text_of(given_all).split(" ")
    if text_of(given_br) != tokens[0]:
        out.fail(
            I05,
            f"given@BR {text_of(given_br)!r} is not the first birth given name {tokens[0]!r}",
            f"given@BR {text_of(given_br)!r} n'est pas le premier prénom de naissance {tokens[0]!r}",
            where(given_br),
        )
    if not _plain_upper(text_of(family_br)):
        out.fail(
            I05,
            f"family@BR {text_of(family_br)!r} is not uppercase without diacritics",
            f"family@BR {text_of(family_br)!r} n'est pas en majuscules sans diacritiques",
            where(family_br),
        )
