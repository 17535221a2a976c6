"""``helpline twilio ...``: help for setting up the Twilio number itself.

``helpline twilio fallback sms|voice`` prints the static TwiML to paste into a TwiML Bin and set as the
number's "Primary handler fails" URL: when this server is down or answers with an error, Twilio serves that
instead, so texters and callers still get 911, 988, Poison Control and the staffed number (and a call is put
through to it). It is the fail-safe reply of :mod:`helpline.channels.failsafe`, built from the settings with twilio's
TwiML classes, with nothing that needs this server afterwards.
"""

from __future__ import annotations

import click

from helpline.config import Settings, load_settings
from helpline.errors import HelplineError


def fallback_twiml(settings: Settings, channel: str) -> str:
    """The static TwiML for ``channel`` (``sms`` or ``voice``)."""
    from helpline.channels import failsafe

    if channel == "voice":
        return failsafe.voice_twiml(settings, None)
    from twilio.twiml.messaging_response import MessagingResponse

    response = MessagingResponse()
    response.message(failsafe.sms_text(settings))
    return str(response)


@click.group("twilio")
def twilio() -> None:
    """Set up the Twilio number: the fallback TwiML for when this server is down."""


@twilio.command("fallback")
@click.argument("channel", type=click.Choice(["sms", "voice"]))
def fallback(channel: str) -> None:
    """Print the TwiML for the number's "Primary handler fails" TwiML Bin (see README: Twilio fallback)."""
    try:
        settings = load_settings()
    except HelplineError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(fallback_twiml(settings, channel))
