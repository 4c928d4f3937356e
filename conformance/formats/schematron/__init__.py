"""Official ANS CDA rule packs (TestContenuCDA schematrons) run in-process with Saxon-HE (saxonche).

`pack` finds a pack's engine and schematrons and chooses which apply to a document, `compile`
turns a .sch into a cached executable with the pack's own engine, `svrl` reads the report and
`runner` ties them to a document and holds the pack chosen by the front doors. Results are neutral
(reports and problems): the socle that requires the schematrons words the findings.
"""
