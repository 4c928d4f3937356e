"""Write the CI-SIS XDS classCode (J06) and formatCode (J10) value sets shipped in profiles/valuesets/.

Our own generator. Neither set is in the `jeuxDeValeurs/` folder that tools/make_valuesets.py copies
from, so without them MSS-XDM-05 could only warn "value set not available" on classCode and
formatCode. The concepts below are facts read from ANS publications (each table names its source);
the files are written in IHE SVS form with the official OID, name and date.

    .venv/bin/python tools/make_valuesets_extra.py [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from conformance.formats.terminology import ValueSet, write_svs_subset  # noqa: E402

# Code systems, as XDS codingScheme values (OIDs from the NOS CodeSystem identifiers).
TRE_A03 = "1.2.250.1.213.1.1.4.1"  # ClasseDocument
TRE_A06 = "1.2.250.1.213.1.1.4.2.282"  # FormatCodeComplementaire (urn:asip:ci-sis:…, urn:ans:ci-sis:…)
TRE_A09 = "1.2.840.10008.2.6.1"  # DICOMuidRegistry
TRE_A10 = "URN"  # NomenclatureURN: its NOS identifier is urn:oid:URN, i.e. XDS codingScheme "URN"
TRE_A11 = "1.3.6.1.4.1.19376.1.2.3"  # IheFormatCode (urn:ihe:…)

SIGNATURE = ("urn:oid:1.3.6.1.4.1.19376.1.2.1.1.1", TRE_A10, "Digital Signature")

J06 = [
    (code, TRE_A03, display)
    for code, display in (
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
        ("99", "Document technique"),
    )
] + [SIGNATURE]

J10_A06 = {
    "urn:ans:ci-sis:bio-ep-bio:2022": "Prescription d'actes de biologie médicale",
    "urn:ans:ci-sis:cse-mde:2023": "Mesures de signes vitaux",
    "urn:ans:ci-sis:feuille-de-style:2023": "Feuille de style",
    "urn:ans:ci-sis:img-da:2022": "Demande d'actes d'imagerie",
    "urn:asip:ci-sis:aunv:2013": "Fiche d'admission en unité neuro-vasculaire",
    "urn:asip:ci-sis:avk:2009": "Fiche patient à risque en cardiologie - Traitement AVK",
    "urn:asip:ci-sis:cr-anest:2020": "Compte rendu d'anesthésie",
    "urn:asip:ci-sis:cr-cpa:2020": "Compte rendu de consultation pré-anesthésique",
    "urn:asip:ci-sis:crgm:2018": "Compte rendu de génétique moléculaire",
    "urn:asip:ci-sis:crrtn:2013": "Compte-rendu de rétinographie",
    "urn:asip:ci-sis:cse-cs24:2017": "Certificat de santé du 24ème mois de l'enfant",
    "urn:asip:ci-sis:cse-cs8:2017": "Certificat de santé du 8ème jour de l'enfant",
    "urn:asip:ci-sis:cse-cs9:2017": "Certificat de santé du 9ème mois de l'enfant",
    "urn:asip:ci-sis:d2lm-fidd:2017": "Seconde lecture de mammographie - Fiche d'interprétation du bilan "
    "de diagnostic différé",
    "urn:asip:ci-sis:d2lm-fin:2017": "Seconde lecture de mammographie - Fiche d'interprétation nationale",
    "urn:asip:ci-sis:dci:2009": "Fiche patient à risque en cardiologie - Défibrillateur cardiaque interne",
    "urn:asip:ci-sis:dlu:2015": "Document de liaison d'urgence",
    "urn:asip:ci-sis:dlu:2024": "Document de liaison d'urgence",
    "urn:asip:ci-sis:dlu-dlu-dom:2022": "Document de liaison d'urgence DOM",
    "urn:asip:ci-sis:dlu-fludr-dom:2022": "Fiche de liaison d'urgence - Retour des urgences vers le domicile",
    # the source spells this label "FFiche …"
    "urn:asip:ci-sis:dlu-fludt-dom:2022": "Fiche de liaison d'urgence - Transfert du domicile vers les urgences",
    "urn:asip:ci-sis:eunv:2013": "Fiche d'épisode de soin en unité neuro-vasculaire",
    "urn:asip:ci-sis:export-dui:2023": "Export du Dossier Usager informatisé",
    "urn:asip:ci-sis:fludr:2017": "Fiche de liaison d'urgence - Retour des urgences vers l'EHPAD",
    "urn:asip:ci-sis:fludt:2017": "Fiche de liaison d'urgence - Transfert de l'EHPAD vers les urgences",
    "urn:asip:ci-sis:fr-su:2024": "Fiche de retour du service des urgences",
    "urn:asip:ci-sis:frcp:2011": "Fiche de réunion de concertation pluridisciplinaire",
    "urn:asip:ci-sis:ft-su:2024": "Fiche de transfert vers le service des urgences",
    "urn:asip:ci-sis:hr:2019": "Données de remboursement",
    "urn:asip:ci-sis:idap:2011": "Information et directives anticipées du patient",
    "urn:asip:ci-sis:ldl-ees:2017": "Lettre de Liaison à l'entrée d'un établissement de santé",
    "urn:asip:ci-sis:ldl-ses:2017": "Lettre de Liaison à la sortie de l'établissement de santé",
    "urn:asip:ci-sis:obp-sap:2023": "Synthèse antepartum",
    "urn:asip:ci-sis:obp-scm:2023": "Synthèse Suites de Couches Mère",
    "urn:asip:ci-sis:obp-sem:2023": "Synthèse Enfant en Maternité",
    "urn:asip:ci-sis:obp-sne:2023": "Synthèse Salle de Naissance Enfant",
    "urn:asip:ci-sis:obp-snm:2023": "Synthèse Salle de Naissance Mère",
    "urn:asip:ci-sis:pavc:2016": "Compte-rendu de consultation d'évaluation pluri-professionnelle post AVC",
    "urn:asip:ci-sis:ppp:2023": "Plan personnalisé de prévention",
    "urn:asip:ci-sis:pps-cancer:2017": "Programme Personnalisé de Soins - Cancer",
    "urn:asip:ci-sis:pps-paerpa:2017": "Plan Personnalisé de Santé - PAERPA",
    "urn:asip:ci-sis:ppv:2009": "Fiche patient à risque en cardiologie - Porteur d'une prothèse valvulaire",
    "urn:asip:ci-sis:psc:2009": "Fiche patient à risque en cardiologie - Porteur d'un stimulateur cardiaque",
    "urn:asip:ci-sis:sdm-mr:2017": "Set de Données Minimum - Maladies Rares",
    "urn:asip:ci-sis:sunv:2013": "Fiche de sortie d'unité neuro-vasculaire",
    "urn:asip:ci-sis:tap:2009": "Fiche patient à risque en cardiologie - Traitement antiagrégant plaquettaire, stent",
    "urn:asip:ci-sis:tlm-da:2020": "Demande d'acte de télémédecine",
    "urn:asip:ci-sis:vac:2019": "Historique des vaccinations",
    "urn:asip:ci-sis:vac-note:2021": "Note de vaccination",
    "urn:asip:ci-sis:vsm:2012": "Synthèse médicale",
    "urn:asipSante:modelesHorsProfils:2011": "Document non référencé IHE ou CI-SIS",
}
J10_A11 = {
    "urn:ihe:eyecare:geneyeevalcn:2014": "CR de consultation en ophtalmologie",
    "urn:ihe:iti-fr:xds-sd:jpeg:2010": "Document à corps non structuré en format jpeg",
    "urn:ihe:iti-fr:xds-sd:rtf:2010": "Document à corps non structuré en format rtf",
    "urn:ihe:iti-fr:xds-sd:tiff:2010": "Document à corps non structuré en format tiff",
    "urn:ihe:iti:dsg:detached:2014": "Signature détachée",
    "urn:ihe:iti:dsg:enveloping:2014": "Document signé avec une signature enveloppante",
    "urn:ihe:iti:xds-sd:pdf:2008": "Document à corps non structuré en Pdf/A-1",  # CDA N1 PDF (ASS_A12)
    "urn:ihe:iti:xds-sd:text:2008": "Document à corps non structuré en texte brut",
    "urn:ihe:lab:xd-lab:2008": "Compte rendu structuré d'examens de biologie médicale",
    "urn:ihe:palm:apsr:2016": "CR d'anatomie et de cytologie pathologiques",
    "urn:ihe:pcc:ips:2020": "Synthèse médicale",
    "urn:ihe:pharm:dis:2010": "Dispensation médicamenteuse",
    "urn:ihe:pharm:pre:2010": "Prescription de médicaments",
    "urn:ihe:rad:CDA:ImagingReportStructuredHeadings:2013": "Compte-rendu d'imagerie médicale",
}
J10 = (
    [(c, TRE_A06, d) for c, d in J10_A06.items()]
    + [(c, TRE_A11, d) for c, d in J10_A11.items()]
    + [
        (
            "1.2.840.10008.5.1.4.1.1.88.59",
            TRE_A09,
            "Document Références d'objets d'un examen d'imagerie selon profil IHE RAD XDS-I",
        ),
        SIGNATURE,
    ]
)


@dataclass(frozen=True)
class Shipped:
    name: str
    oid: str
    revision: str  # the FHIR ValueSet.date of the version read
    concepts: list[tuple[str, str, str]]
    source: str


SETS = [
    Shipped(
        "JDV_J06_XdsClassCode_CISIS",
        "1.2.250.1.213.1.1.5.462",
        "2023-09-22T12:00:00+01:00",
        J06,
        "ANS IG Terminologies de Santé v1.10.0, ValueSet JDV-J06-XdsClassCode-CISIS "
        "(https://mos.esante.gouv.fr/NOS/JDV_J06-XdsClassCode-CISIS/FHIR/JDV-J06-XdsClassCode-CISIS, "
        "version 20230922120000); TRE_A03 OID 1.2.250.1.213.1.1.4.1 from CodeSystem TRE_A03_ClasseDocument "
        "(same IG); TRE_A10 written as codingScheme URN. Whole set: 13 concepts. XDS classCode (MSS-XDM-05)",
    ),
    Shipped(
        "JDV_J10_XdsFormatCode_CISIS",
        "1.2.250.1.213.1.1.5.465",
        "2024-04-26T12:00:00+01:00",
        J10,
        "ansforge/IG-terminologie-de-sante input/ontoserver/JDV/JDV_J10_XdsFormatCode_CISIS.json "
        "(commit 3747187292b8fc41a2120c7b3fba822e012a210d, ValueSet version 1.1.0, date 2024-04-26): "
        "its compose (TRE_A06, TRE_A11, TRE_A09, TRE_A10 written as codingScheme URN; code-system OIDs from "
        "the NOS CodeSystems). Possibly a subset of the current NOS set: another version of that file "
        "(commit 0acfa841f0564eb2768c09d53c3efcc37b56d335) and the change request "
        "DM/input/fsh/DV-J10-XdsFormatCode-CISIS.fsh add "
        "urn:asip:ci-sis:cva:2017 and urn:ihe:pat:apsr:*:2010 codes (deprecated in TRE_A11 since "
        "2024-01-26); those are not shipped. "
        "XDS formatCode (MSS-XDM-05)",
    ),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "profiles" / "valuesets")
    args = parser.parse_args(argv)
    for s in SETS:
        vs = ValueSet(oid=s.oid, name=s.name, version=s.revision, source=s.source, sha256="")
        vs.concepts = {(code, system): display for code, system, display in s.concepts}
        if len(vs.concepts) != len(s.concepts):
            print(f"{s.name}: duplicate (code, codeSystem) in the table", file=sys.stderr)
            return 1
        note = f"Concepts written by tools/make_valuesets_extra.py from {s.source}."
        write_svs_subset(vs, None, args.out / f"{s.name}.xml", note)
        print(f"wrote {s.name}: {len(vs.concepts)} concepts, revision {s.revision}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
