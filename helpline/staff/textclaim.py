"""Claiming a request by replying to the alert text: ``CLAIM 4821`` from a phone on a staff account.

Alerts carry a four-digit claim code derived from the request id (so nothing has to be stored, and the webhook
finds the request by looking through the open queue, which is short). The reply is the client's number, as the
queue page shows it to whoever claims; ``CALL 4821`` afterwards rings the staff phone and bridges the client, as
the page's button does (only with Twilio and a phone on the account).

Only a message that is exactly ``CLAIM nnnn`` or ``CALL nnnn`` from a staff account's phone is taken here; anything
else from anyone (a staff member in crisis included) goes through the normal conversation and crisis screen. No
Twilio call is made in the webhook: the claim is a Redis transaction, a bridge an RQ job.
"""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Any

from helpline.config import display_number
from helpline.queue import callbacks
from helpline.queue.records import CallbackRequest
from helpline.redisdb import texts
from helpline.staff import accounts

log = logging.getLogger(__name__)
COMMAND = re.compile(r"^\s*(claim|call)\s*#?\s*(\d{4})\s*[.!]?\s*$", re.IGNORECASE)


def claim_code(request_id: str) -> str:
    """The four-digit code staff reply with: stable for a request, 1000-9999."""
    return str(1000 + int(hashlib.blake2b(request_id.encode(), digest_size=4).hexdigest(), 16) % 9000)


def account_for_phone(conn: Any, number: str) -> accounts.Account | None:
    for account in accounts.all_accounts(conn):
        if account.phone and account.phone == number:
            return account
    return None


def _find(conn: Any, code: str, statuses: tuple[str, ...]) -> list[CallbackRequest]:
    ids = texts(conn.zrange(callbacks.QUEUE_KEY, 0, -1) + conn.zrange(callbacks.CLAIMED_KEY, 0, -1))
    found = callbacks.load_many(conn, [i for i in ids if claim_code(i) == code])
    return [r for r in found if r.status in statuses]


def reply_to(hl: Any, number: str, body: str) -> list[str] | None:
    """The reply to a staff member's ``CLAIM``/``CALL`` text, or None when this message is not one (then the
    normal conversation handles it). Never raises: on any failure the normal path (and its fail-safe) runs."""
    command = COMMAND.match(body or "")
    if not command:
        return None
    try:
        account = account_for_phone(hl.conn, number)
        if account is None:
            return None
        verb, code = command.group(1).lower(), command.group(2)
        if verb == "claim":
            return _claim(hl, account, code)
        return _call(hl, account, code)
    except Exception as exc:  # noqa: BLE001 - a staff shortcut must never break the webhook
        log.error("text claim failed: %s", type(exc).__name__, exc_info=exc)
        return None


def _claim(hl: Any, account: accounts.Account, code: str) -> list[str]:
    matches = _find(hl.conn, code, (callbacks.Status.OPEN, callbacks.Status.CLAIMED))
    if not matches:
        return [f"No open request has code {code}: it may be closed. Open the staff queue to see what is waiting."]
    if len(matches) > 1:
        return [f"More than one request has code {code}: please claim on the staff queue page."]
    request = matches[0]
    if request.status == callbacks.Status.CLAIMED and request.claimed_by != account.name:
        return [f"Request {code} is already claimed by {request.claimed_by}."]
    if request.status == callbacks.Status.OPEN:
        try:
            request = callbacks.claim(hl.conn, request.id, account.name, hl.settings, hl.queues)
        except callbacks.CallbackError as exc:
            return [f"Could not claim {code}: {exc}."]
        callbacks.add_audit(hl.conn, request.id, account.name, "claimed by text reply", f"code {code}")
        log.info("request %s claimed by text reply from %s", request.id, account.name)
    call_only = " They texted STOP: call, do not text." if request.call_only else ""
    bridge = f" Reply CALL {code} to be rung and connected." if hl.settings.twilio_configured else ""
    name = request.gathered.get("name")
    ask = f" Ask for {name}." if name else ""
    number = display_number(request.number, hl.settings.default_region)
    return [f"You have claimed {code} ({request.reason}). Call {number} now.{ask}{call_only}{bridge} "
            f"Close it on the staff page when done."]


def _call(hl: Any, account: accounts.Account, code: str) -> list[str]:
    from helpline.staff import calls

    matches = _find(hl.conn, code, (callbacks.Status.CLAIMED,))
    mine = [r for r in matches if r.claimed_by == account.name]
    if len(mine) != 1:
        return [f"Claim {code} first (reply CLAIM {code})."]
    try:
        calls.start_call(hl, mine[0].id, account)
    except callbacks.CallbackError as exc:
        return [f"Could not call for {code}: {exc}."]
    return ["Calling your phone now: answer it and you will be connected (they see the helpline's number)."]
