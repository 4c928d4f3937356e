"""What a grappe and its ARS instructor look at, beyond one certificate.

- `members`, `finess`: the grappe's members file (CSV as spreadsheets export it) and FINESS checks;
- `programme`: the programme's conditions as data (profiles/programme/), each value with its sources;
- `certificates`: the one adapter to certificate verification, with the dossier's trust levels;
- `assemble`, `render`: members matched to certificates, conditions judged, French HTML/JSON/PDF;
- `badge`: an SVG a vendor shows, tied to its certificate by the certificate file's SHA-256;
- `compare`: requirement by requirement, what changed between two runs or certificates.
"""
