"""What the manual driver asks a person for the DMP verbs (docs/driver-protocol.md).

The harness sees the requests on the wire, but what the DUI made of the DMP's answers (fed or not,
refused before sending, what it found or fetched) only the DUI knows: every DMP verb asks for the
person's JSON answer (`answer=True`).
"""

from __future__ import annotations

from conformance.socle import Prompt

PROMPTS: dict[str, Prompt] = {
    "dmp.feed": Prompt(
        "Versez au DMP de l'usager indiqué le document décrit ci-dessous (en remplacement du document "
        "replace_of s'il est donné), puis décrivez le résultat affiché en JSON : "
        '{"status": "ok" | "refused" | "error", "data": {"registry_status", "errors", "document_unique_id"}, '
        '"detail": "le message affiché"} (voir docs/driver-protocol.md).',
        "Feed the document below to the DMP of the usager shown (replacing the document replace_of if given), "
        "then describe the result shown as JSON: status, data {registry_status, errors, document_unique_id}, "
        "detail (the message shown).",
        answer=True,
    ),
    "dmp.find": Prompt(
        "Recherchez dans le DMP de l'usager indiqué ses documents (y compris remplacés si include_deprecated), "
        'puis décrivez le résultat en JSON : {"status", "data": {"ok", "documents": [{entry_uuid, unique_id, '
        'status, type_code, repository_id, mime_type}], "errors"}, "detail"}.',
        "Search the DMP of the usager shown for their documents (replaced ones too if include_deprecated), "
        "then describe the result as JSON: status, data {ok, documents, errors}, detail.",
        answer=True,
    ),
    "dmp.retrieve": Prompt(
        "Consultez dans le DMP le document indiqué (repository_id, unique_id), puis donnez en JSON sa taille "
        'et son empreinte SHA-1, jamais son contenu : {"status", "data": {"size", "sha1", "errors"}, "detail"}.',
        "Retrieve the document shown (repository_id, unique_id) from the DMP, then give its size and SHA-1 as "
        "JSON, never its content: status, data {size, sha1, errors}, detail.",
        answer=True,
    ),
}
