"""Trying the running helpline from a terminal: ``helpline chat`` texts it and ``helpline call`` calls it, with the
same signed, Twilio-shaped requests Twilio would send."""

from __future__ import annotations

import click

from helpline.cli.common import read_settings
from helpline.errors import HelplineError


@click.command()
@click.option("--url", default=None, help="The helpline's base URL (default: http://127.0.0.1:PORT).")
@click.option("--from", "from_", default="+15555550123", show_default=True, help="The phone number you text from.")
def chat(url: str | None, from_: str) -> None:
    """Text the running helpline from this terminal (signed, Twilio-shaped requests to POST /sms)."""
    from helpline.sim.chat import Texter

    settings = read_settings()
    texter = Texter(url or f"http://127.0.0.1:{settings.port}", settings, from_)
    click.secho(f"Texting {texter.sms_url} as {from_}. Type a message; Ctrl-D to quit.", fg="green", err=True)
    while True:
        try:
            line = input("you> ")
        except (EOFError, KeyboardInterrupt):
            click.echo("", err=True)
            return
        try:
            replies = texter.send(line)
        except HelplineError as exc:
            click.secho(str(exc), fg="red", err=True)
            continue
        if not replies:
            click.secho("(no reply)", dim=True)
        for reply in replies:
            click.echo("\n".join("helpline> " + ln if i == 0 else "          " + ln
                                 for i, ln in enumerate(reply.splitlines() or [""])))


@click.command()
@click.option("--url", default=None, help="The helpline's base URL (default: http://127.0.0.1:PORT).")
@click.option("--from", "from_", default="+15555550123", show_default=True, help="The phone number you call from.")
@click.option("--speak/--no-speak", default=True, help="Read prompts aloud with espeak-ng when it is installed.")
def call(url: str | None, from_: str, speak: bool) -> None:
    """Call the running helpline from this terminal: its TwiML is followed, prompts printed, keys or words typed."""
    from helpline.sim.call import Caller, dial_target, speaker

    settings = read_settings()
    caller = Caller(url or f"http://127.0.0.1:{settings.port}", settings, from_, strict=False)
    voice = speaker() if speak else None
    click.secho(f"Calling {caller.base_url}/voice as {from_}. Type keys (1, 0, *, #) or words; Enter alone is "
                f"silence; Ctrl-D hangs up.", fg="green", err=True)

    def show(lines: list[str]) -> None:
        for line in lines:
            click.echo(f"helpline> {line}")
            if voice:
                voice(line)
        for problem in caller.problems:
            click.secho(f"(TwiML problem: {problem})", fg="red", err=True)
        caller.problems.clear()

    try:
        show(caller.dial())
        while not caller.ended:
            waiting = caller.waiting
            if waiting is not None and waiting.tag == "Dial":
                status = click.prompt(f"[ringing {dial_target(waiting)}] how does it end",
                                      type=click.Choice(["completed", "no-answer", "busy", "failed"]),
                                      default="no-answer", err=True)
                show(caller.dial_result(status))
            elif waiting is not None and waiting.tag == "Record":
                show(caller.leave_message(input("[beep] your message> ")))
            else:
                text = input("you> ").strip()
                if not text:
                    show(caller.silence())
                elif all(ch in "0123456789*#" for ch in text):
                    show(caller.press(text))
                else:
                    show(caller.say(text))
        click.secho("(the helpline hung up)", dim=True, err=True)
        caller.hang_up()
    except (EOFError, KeyboardInterrupt):
        click.echo("", err=True)
        if not caller.ended:
            caller.hang_up()
    except HelplineError as exc:
        raise click.ClickException(str(exc)) from None
