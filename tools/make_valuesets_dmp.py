"""Write the DMP-specific value sets shipped in profiles/valuesets/ (our own generator).

Two kinds of source:
- DMP value sets that TestContenuCDA does not ship (J57 classCode, J59 contentTypeCode, J61
  healthcareFacilityTypeCode): their concepts are written from the facts below, each table citing
  the ANS publication it was read from (ansforge/ig-terminlogie-de-sante FSH value sets, commit
  a43369b6, and the IG-terminologie-de-sante v1.10.0 page for J57);
- CI-SIS value sets the DMP header rules read and tools/make_valuesets.py does not copy (J01
  authorSpecialty, J143 administrativeGender): copied whole from the `jeuxDeValeurs/` folder of
  ansforge/TestContenuCDA-3-0 (default ../shared/corpus/jdv).

    .venv/bin/python tools/make_valuesets_dmp.py [--source DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from conformance.formats.terminology import ValueSet, load_svs, write_svs_subset  # noqa: E402

TRE_A00 = "1.2.250.1.213.1.1.4.6"  # ProducteurDocNonPS
TRE_R02 = "1.2.250.1.71.4.2.4"  # SecteurActivite
TRE_R209 = "1.2.250.1.213.2.2"  # TypeActivite
TRE_R276 = "1.2.250.1.213.1.6.1.128"  # FormeActivite (NOS CodeSystem TRE_R276, identifier urn:oid:…6.1.128)
TRE_A03 = "1.2.250.1.213.1.1.4.1"  # ClasseDocument
TRE_A10 = "URN"  # NomenclatureURN: XDS codingScheme "URN" (specs/dmp.md §1.4)

SECTEUR = {  # TRE_R02 codes and labels as listed in JDV_J61 / JDV_J59 (version 20240927)
    "SA01": "Etablissement public de santé",
    "SA02": "Hôpital militaire du Service de santé des armées",
    "SA03": "Etablissement privé PSPH",
    "SA04": "Etablissement privé non PSPH",
    "SA05": "Centre de santé",
    "SA06": "Autre structure du Service de santé des armées",
    "SA07": "Cabinet individuel",
    "SA08": "Cabinet de groupe",
    "SA09": "Exercice en société",
    "SA10": "Transporteur sanitaire",
    "SA11": "Entreprise d'intérim",
    "SA12": "Etablissement de soins et prévention",
    "SA13": "Prévention et soins en entreprise",
    "SA14": "Etablissements scolaires, universitaires et de formation hors champ FINESS",
    "SA15": "PMI et Planification familiale",
    "SA16": "Etablissement pour personnes handicapées",
    "SA17": "Etablissement pour personnes âgées",
    "SA18": "Etablissement aide à la famille",
    "SA19": "Etablissements FINESS de formation aux professions sanitaires et sociales",
    "SA20": "Etablissement pour la protection de l'enfance",
    "SA21": "Etablissement d'hébergement et de réadaptation",
    "SA22": "Recherche",
    "SA23": "Assurance privée",
    "SA24": "Organisme de sécurité sociale",
    "SA25": "Laboratoire de biologie médicale",
    "SA26": "Ministère ou Service déconcentré",
    "SA27": "Collectivité territoriale",
    "SA28": "Association ou organisme humanitaire",
    "SA29": "Laboratoire d'analyses et de biologie médicale",
    "SA30": "Autre établissement sanitaire",
    "SA31": "Répartition et Distribution de médicaments et dispositifs médicaux",
    "SA32": "Fabrication, Exploitation et Importation de médicaments et dispositifs médicaux",
    "SA33": "Pharmacie d'officine",
    "SA34": "Centre de dialyse",
    "SA35": "Para-pharmacie",
    "SA36": "Centre anti-cancer",
    "SA37": "Centre de transfusion sanguine",
    "SA38": "Pharmacie minière",
    "SA39": "Pharmacie mutualiste",
    "SA40": "Secteur privé, praticien hospitalier temps plein",
    "SA41": "Autre établissement du domaine social ou médico-social",
    "SA42": "Appareillage médical",
    "SA43": "Secteur non défini",
    "SA44": "Recrutement ou Gestion RH",
    "SA45": "Communication, Marketing, Consulting, Média",
    "SA46": "Fabrication, Exploitation, Importation, Répartition, Distribution médicaments et dispositifs médicaux",
    "SA47": "Incendie et secours",
    "SA48": "Entreprise industrielle et tertiaire hors industrie pharmaceutique",
    "SA49": "Entité Outre-Mer",
    "SA50": "Permanence des soins ambulatoires hors cabinet",
    "SA51": "Structure de coopération avec autorisation de soins",
    "SA52": "Maison de santé ou Pôle de santé",
    "SA53": "Siège administratif d'un établissement de santé",
    "SA54": "Centre de dépistage et de prévention",
    "SA55": "Laboratoire pharmaceutique préparant et délivrant des allergènes",
    "SA56": "Propharmacie",
    "SA57": "Structure de coopération avec mission de coordination de soins",
    "SA58": "Entreprise de taxis",
    "SA59": "Laboratoire de biologie médicale hors catégorie standard",
    "SA60": "Centres médicaux SNCF",
    "SA61": "Structure Dispensatrice à domicile d'Oxygène à usage médical",
    "SA63": "Communauté Professionnelle Territoriale de Santé",
    "SA64": "Société de téléconsultation",
    "SA65": "Antenne de pharmacie",
    "SA68": "Services départementaux d'incendie et de secours",
    "SA69": "Maisons de naissance",
}
NON_PS = [("EXP_PATIENT", TRE_A00, "Expression personnelle du patient")]

J61 = (
    NON_PS
    + [("SNR", TRE_A00, "Service numérique référencé")]
    + [(code, TRE_R02, label) for code, label in SECTEUR.items()]
)

TYPE_ACTIVITE = {  # TRE_R209 codes listed in JDV_J59 (version 20240927)
    "03": "Hospitalisation complète (non compris hospitalisation de semaine)",
    "04": "Hospitalisation de jour",
    "07": "Consultations soins externes",
    "08": "Bloc opératoire (y compris obstétrical et gynécologique)",
    "09": "Autres unités médico-techniques (anesthésiologie, explor fonct, rééduc et réadapt fonct, pharmacie)",
    "11": "Hébergement complet ou internat (non compris internat de semaine)",
    "13": "Semi-internat",
    "14": "Externat",
    "15": "Placement en famille d'accueil (strictement social)",
    "16": "Prestations sur le lieu de vie (non compris placement familial)",
    "17": "Internat de semaine",
    "18": "Hébergement de nuit en structure éclatée",
    "19": "Traitement et cure ambulatoire",
    "20": "Hospitalisation de semaine",
    "21": "Accueil de Jour (sans distinction entre semi-internat et externat)",
    "22": "Accueil de nuit",
    "25": "Accueil temporaire week-end ou vacances",
    "26": "Analyses médicales biologiques",
    "27": "Accueil modulable/séquentiel",
    "28": "Consultations dentaires et soins dentaires",
    "33": "Recherche",
    "37": "Accueil et prise en charge en appartement thérapeutique",
    "40": "Accueil temporaire avec hébergement",
    "42": "Equipe mobile de rue",
    "43": "Tous modes d'accueil avec hébergement",
    "44": "Accueil temporaire de jour",
    "45": "Accueil temporaire (avec et sans hébergement)",
    "46": "Tous modes d'accueil (avec et sans hébergement)",
    "47": "Accueil de jour et accompagnement en milieu ordinaire",
    "48": "Tous modes d'accueil et d'accompagnement",
    "50": "Protection juridique",
    "52": "Accompagnement social personnalisé",
    "60": "Consultations et actes",
    "97": "Type d'activité indifférencié",
}
FORME_ACTIVITE = {
    "05": "Hospitalisation à domicile (au domicile du patient)",
    "11": "Centre postcure",
    "12": "Centre de crise",
}
J59 = (
    NON_PS
    + [(c, TRE_R276, d) for c, d in FORME_ACTIVITE.items()]
    + [(c, TRE_R209, d) for c, d in TYPE_ACTIVITE.items()]
    + [(c, TRE_R02, d) for c, d in SECTEUR.items() if c not in ("SA01", "SA02", "SA03", "SA04")]
)

J57 = [
    (c, TRE_A03, d)
    for c, d in (
        ("10", "Compte rendu"),
        ("11", "Synthèse"),
        ("31", "Imagerie médicale"),
        ("42", "Prescription"),
        ("43", "Dispensation"),
        ("44", "Plan de soins, protocole de soins"),
        ("45", "Traitement administré"),
        ("52", "Certificat, déclaration"),
        ("60", "Données de remboursement"),
        ("90", "Autres documents déposés par le patient"),
        ("95", "Document de gestion"),
    )
] + [("urn:oid:1.3.6.1.4.1.19376.1.2.1.1.1", TRE_A10, "Digital Signature")]

FSH = "ansforge/ig-terminlogie-de-sante input/DM/input/fsh/Template/ontoserver/JDV/input/fsh/valuesets/{}.fsh"
FROM_FACTS = [
    (
        "JDV_J61_HealthcareFacilityTypeCode_DMP",
        "1.2.250.1.213.1.1.5.3",
        "20240927120000",
        J61,
        FSH.format("JDV_J61_HealthcareFacilityTypeCode_DMP") + " (commit a43369b6)",
    ),
    (
        "JDV_J59_ContentTypeCode_DMP",
        "1.2.250.1.213.1.1.5.2",
        "20240927120000",
        J59,
        FSH.format("JDV_J59_ContentTypeCode_DMP") + " (commit a43369b6); TRE_R276 OID from the NOS CodeSystem",
    ),
    (
        "JDV_J57_ClassCode_DMP",
        "1.2.250.1.213.1.1.5.6",
        "20230922120000",
        J57,
        "IG Terminologies de Santé v1.10.0, ValueSet JDV-J57-ClassCode-DMP (TRE_A10 written as codingScheme URN)",
    ),
]
FROM_CORPUS = [
    ("JDV_J01_XdsAuthorSpecialty_CISIS", "CDA author code and XDS authorSpecialty (DMP-C07, DMP-X11)"),
    ("JDV_J143_AdministrativeGender_CISIS", "CDA administrativeGenderCode (DMP-C02)"),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=ROOT / ".." / "shared" / "corpus" / "jdv")
    parser.add_argument("--out", type=Path, default=ROOT / "profiles" / "valuesets")
    args = parser.parse_args(argv)
    for name, oid, version, concepts, source in FROM_FACTS:
        vs = ValueSet(oid=oid, name=name, version=version, source=source, sha256="")
        vs.concepts = {(code, system): display for code, system, display in concepts}
        note = f"Concepts written by tools/make_valuesets_dmp.py from {source}."
        write_svs_subset(vs, None, args.out / f"{name}.xml", note)
        print(f"wrote {name}: {len(vs.concepts)} concepts, version {version}")
    if not args.source.is_dir():
        print(
            f"source folder {args.source} not found: {', '.join(n for n, _ in FROM_CORPUS)} not written",
            file=sys.stderr,
        )
        return 1
    for name, why in FROM_CORPUS:
        src = args.source / f"{name}.xml"
        vs = load_svs(src)
        note = (
            f"Whole value set copied from ansforge/TestContenuCDA-3-0 jeuxDeValeurs/{src.name} "
            f"(commit 7cd489b3, 2025-02-19) by tools/make_valuesets_dmp.py. {why}."
        )
        write_svs_subset(vs, None, args.out / f"{name}.xml", note)
        print(f"wrote {name}: {len(vs.concepts)} concepts, version {vs.version}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
