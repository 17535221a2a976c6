"""For whoever operates the service: ``helpline callbacks list`` (the queue), ``helpline outbox`` (texts kept locally
instead of sent) and ``helpline twilio fallback sms|voice``.

``twilio fallback`` prints the static TwiML to paste into a TwiML Bin and set as the number's "Primary handler
fails" URL: when this server is down or answers with an error, Twilio serves that instead, so texters and callers
still get 911, 988, Poison Control and the staffed number (and a call is put through to it). It is the fail-safe
reply of :mod:`helpline.channels.failsafe`, built from the settings with twilio's TwiML classes, with nothing that
needs this server afterwards.
"""

from __future__ import annotations

import json
import time

import click

from helpline.cli.common import local_redis, read_settings
from helpline.config import Settings


@click.group()
def callbacks() -> None:
    """The callback queue."""


@callbacks.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per request.")
@click.option("--reveal", is_flag=True, help="Show full phone numbers (they are masked by default).")
def callbacks_list(as_json: bool, reveal: bool) -> None:
    """Open callback requests in the order staff should work them (crisis first, then oldest first)."""
    from helpline.logs import mask
    from helpline.queue import callbacks as cb
    from helpline.redisdb import connect

    with local_redis(read_settings()) as redis_url:
        conn = connect(redis_url)
        requests = cb.load_open(conn) + cb.load_claimed(conn)
    now = time.time()
    for request in requests:
        number = request.number if reveal else mask(request.number)
        if as_json:
            row = {**request.as_dict(), "number": number}
            keep = ("id", "number", "priority", "reason", "status", "channel", "lang", "created", "due", "claimed_by",
                    "call_only", "requests", "attempts", "topics", "gathered")
            click.echo(json.dumps({k: row.get(k) for k in keep}))
            continue
        created = time.strftime("%Y-%m-%d %H:%M", time.localtime(request.created))
        left = request.due - now
        due = f"overdue {_span(-left)}" if left < 0 else f"due in {_span(left)}"
        holder = f" ({request.claimed_by})" if request.claimed_by else ""
        flag = "  CALL ONLY" if request.call_only else ""
        click.echo(f"{request.id}  {request.priority:<8} {request.status.value + holder:<16} {number:<14} "
                   f"{created}  {due:<16} {request.reason}{flag}")
    if not requests and not as_json:
        click.echo("no open callback requests")


def _span(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes}m"
    if minutes < 48 * 60:
        return f"{minutes // 60}h{minutes % 60:02d}m"
    return f"{minutes // 1440}d"


@click.command()
@click.option("--limit", default=20, show_default=True)
def outbox(limit: int) -> None:
    """Texts that would have gone out through Twilio (local mode, no credentials)."""
    from helpline.logs import mask
    from helpline.queue.outbound import outbox as read_outbox
    from helpline.redisdb import connect

    with local_redis(read_settings()) as redis_url:
        for entry in read_outbox(connect(redis_url), limit):
            at = time.strftime("%H:%M:%S", time.localtime(float(entry["at"])))  # type: ignore[arg-type]
            click.echo(f"{at} to {mask(str(entry['to']))} [{entry['kind']}]: {entry['body']}")


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
    click.echo(fallback_twiml(read_settings(), channel))
