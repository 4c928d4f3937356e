"""`conformance`: the command-line front door, one module per command. Same engine as the pytest plugin.

The commands know no socle: what they list, run, validate or serve comes from the installed socles
(`conformance.socle`), and the options they share are declared once (`conformance.engine.options`).
Exit status: 0 success, 1 conformance failure, 2 usage or environment error (`cli.common`).
"""

from __future__ import annotations

import click

from conformance import __version__
from conformance.cli.badge import badge
from conformance.cli.certificate import certificate
from conformance.cli.defects import defects
from conformance.cli.diff import diff
from conformance.cli.dossier import dossier
from conformance.cli.kit import kit
from conformance.cli.pki import pki
from conformance.cli.report import report
from conformance.cli.requirements import requirements
from conformance.cli.run import run
from conformance.cli.serve import serve
from conformance.cli.socles import socles
from conformance.cli.validate import validate
from conformance.cli.verify import verify
from conformance.cli.verify_batch import verify_batch
from conformance.heap import freeze_at_exit

COMMANDS = (
    run,
    validate,
    serve,
    kit,
    defects,
    requirements,
    pki,
    socles,
    report,
    verify,
    verify_batch,
    certificate,
    dossier,
    badge,
    diff,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="conformance")
def main() -> None:
    """Conformance harness for DUI software against the services socles (see `conformance socles`)."""
    freeze_at_exit()


for _command in COMMANDS:
    main.add_command(_command)


if __name__ == "__main__":
    main()
