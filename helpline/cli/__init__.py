"""The ``helpline`` command, one module per audience:

- :mod:`~helpline.cli.run`: running it (``serve``, ``worker``, ``demo``);
- :mod:`~helpline.cli.simulators`: trying it from a terminal (``chat``, ``call``);
- :mod:`~helpline.cli.content`: the content team's checks and measures (``flows``, ``crisis``);
- :mod:`~helpline.cli.staff`: staff accounts and the on-call roster (``staff``, ``roster``);
- :mod:`~helpline.cli.operations`: the queue, the outbox and the Twilio number (``callbacks``, ``outbox``,
  ``twilio``);
- :mod:`~helpline.cli.common`: what they share (settings, content, and the one way a command gets its Redis).
"""

from __future__ import annotations

import click

from helpline.cli import content, operations, run, simulators, staff


@click.group()
def main() -> None:
    """An SMS and voice helpline for addiction treatment."""


for command in (run.demo, run.serve, run.worker, simulators.chat, simulators.call, content.flows, content.crisis,
                staff.staff, staff.roster, operations.callbacks, operations.outbox, operations.twilio):
    main.add_command(command)
