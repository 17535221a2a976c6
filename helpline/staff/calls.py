"""Click-to-call: Twilio rings the staff member's own phone, then bridges the client, who sees the helpline's
number (not the staff member's).

The web request only enqueues an RQ job (a webhook-free approach: the call's TwiML is sent inline with the
REST request, so Twilio needs no URL of ours). The job re-reads the request and places the call only if the
same claim still holds it.
"""

from __future__ import annotations

import logging
from typing import Any

from twilio.twiml.voice_response import Dial, VoiceResponse

from helpline.config import Settings
from helpline.logs import mask
from helpline.queue import callbacks
from helpline.queue.callbacks import CallbackError
from helpline.staff.accounts import Account

log = logging.getLogger(__name__)
DOUBLE_TAP_SECONDS = 20


class CallUnavailable(CallbackError):
    """Click-to-call cannot be used here (no Twilio, or no phone on the staff account)."""


def bridge_twiml(settings: Settings, request_id: str, client_number: str) -> str:
    """What the staff member's phone plays when they answer: a short line, then the client, dialled with the
    helpline's number as caller ID."""
    response = VoiceResponse()
    response.say(f"{settings.org_name} callback {' '.join(request_id[-4:])}. Connecting you now.")
    dial = Dial(caller_id=settings.helpline_number, answer_on_bridge=True, timeout=30)
    dial.number(client_number)
    response.append(dial)
    return str(response)


def can_call(settings: Settings, account: Account) -> bool:
    return settings.twilio_configured and bool(account.phone)


def start_call(hl: Any, request_id: str, account: Account) -> str:
    """Check and enqueue a click-to-call for ``request_id``, held by ``account``. Returns the job id."""
    if not hl.settings.twilio_configured:
        raise CallUnavailable("click-to-call needs Twilio (TWILIO_ACCOUNT_SID); use the phone link instead")
    if not account.phone:
        raise CallUnavailable("your account has no phone number for click-to-call (helpline staff add --phone)")
    request = callbacks.load(hl.conn, request_id)
    if request is None:
        raise callbacks.NoSuchRequest(f"no callback request {request_id}")
    if request.status != callbacks.Status.CLAIMED or request.claimed_by != account.name:
        raise callbacks.NotClaimable(f"claim {request_id} before calling")
    token = request.claim_token or ""
    if not hl.conn.set(f"hl:call:pending:{request_id}", account.name, nx=True, ex=DOUBLE_TAP_SECONDS):
        raise CallbackError("a call for this request is already being placed; answer your phone")
    queue = hl.queues["crisis" if request.priority == "crisis" else "default"]
    job = queue.enqueue("helpline.staff.calls.ring_staff", request_id, account.name, token,
                        result_ttl=3600, failure_ttl=7 * 86400)
    callbacks.add_audit(hl.conn, request_id, account.name, "call requested", "click-to-call: ringing staff phone")
    return str(job.id)


def ring_staff(request_id: str, staff: str, claim_token: str) -> dict[str, object]:
    """RQ job: create the Twilio call to the staff member's phone, bridged to the client by its TwiML."""
    from helpline.staff import accounts
    from workers.context import job_context

    ctx = job_context()
    request = callbacks.load(ctx.conn, request_id)
    account = accounts.get(ctx.conn, staff)
    if (request is None or account is None or not account.phone or request.claimed_by != staff
            or request.claim_token != claim_token or request.status != callbacks.Status.CLAIMED):
        return {"called": False, "why": "the claim changed"}
    client = ctx.sender.client
    if client is None:
        return {"called": False, "why": "twilio is not configured"}
    call = client.calls.create(to=account.phone, from_=ctx.settings.helpline_number,
                               twiml=bridge_twiml(ctx.settings, request_id, request.number))
    callbacks.add_audit(ctx.conn, request_id, staff, "call placed", f"call {call.sid}")
    log.info("click-to-call %s: ringing %s for %s (client %s)", call.sid, mask(account.phone), staff,
             mask(request.number))
    return {"called": True, "sid": str(call.sid)}
