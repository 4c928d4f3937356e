"""DMP-C03: the CDA passes the ANS schematron of its volet, when an official pack is given.

The rules themselves are the ANS TestContenuCDA schematrons (`--schematron-pack DIR`, a clone of
ansforge/TestContenuCDA-3-0), run by `conformance.formats.schematron`; the harness never ships them. The
pack is chosen once by the front door (`conformance validate`, `conformance run`, the pytest
plugin) or, for one check call, by `ctx.extra["schematron_pack"]` (a PackRunner). Without a pack
the requirement is reported not applicable with the reason, never passed.
"""

from __future__ import annotations

from collections.abc import Iterable

from conformance.formats.schematron.runner import runner_for
from conformance.model import Artifact, CheckContext, Finding, not_applicable
from conformance.registry import check

R = "DMP-C03"


@check("cda", "dmp")
def check_volet_schematron(artifact: Artifact, ctx: CheckContext) -> Iterable[Finding]:
    runner = runner_for(ctx.extra)
    if runner is None:
        finding = not_applicable(
            R,
            "no ANS schematron pack given (--schematron-pack): the volet schematrons were not run",
            "aucun paquet de schématrons ANS fourni (--schematron-pack) : les schématrons du volet "
            "n'ont pas été exécutés",
            "/",
        )
        finding.evidence = artifact.sha256
        return [finding]
    return runner.run(artifact.data, R, artifact.sha256)
