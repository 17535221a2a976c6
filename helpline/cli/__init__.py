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


class _Sections(click.Group):
    """A group whose ``--help`` lists its commands under headings, in the order they were added."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.sections: list[tuple[str, list[str]]] = []

    def add_section(self, title: str, *commands: click.Command) -> None:
        for command in commands:
            self.add_command(command)
        self.sections.append((title, [command.name or "" for command in commands]))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        listed = [name for _, names in self.sections for name in names]
        sections = self.sections + [("Other commands", [n for n in self.list_commands(ctx) if n not in listed])]
        rows = [(title, [(name, cmd) for name in names
                         if (cmd := self.get_command(ctx, name)) is not None and not cmd.hidden])
                for title, names in sections]
        width = max((len(name) for _, found in rows for name, _ in found), default=0)
        for title, found in rows:
            if found:
                with formatter.section(title):
                    # names padded to the longest of all, so the help texts line up across the sections
                    formatter.write_dl([(name.ljust(width), cmd.get_short_help_str(formatter.width - 6 - width))
                                        for name, cmd in found])


@click.group(cls=_Sections)
def main() -> None:
    """An SMS and voice helpline for addiction treatment."""


main.add_section("Run the helpline", run.demo, run.serve, run.worker)
main.add_section("Try it from this terminal", simulators.chat, simulators.call)
main.add_section("Content (flows/)", content.flows, content.crisis)
main.add_section("Staff", staff.staff, staff.roster)
main.add_section("Operations", operations.callbacks, operations.outbox, operations.twilio)
