"""Staff actions on a request, shared by the pages and the JSON API: who may do what, and the words for it."""

from __future__ import annotations

from typing import Any

from helpline.queue import callbacks
from helpline.staff import calls
from helpline.staff.accounts import Account


def claim(hl: Any, request_id: str, account: Account) -> dict[str, Any]:
    return callbacks.claim(hl.conn, request_id, account.name, hl.settings, hl.queues)


def release(hl: Any, request_id: str, account: Account) -> dict[str, Any]:
    """The holder releases their claim; a supervisor may release anyone's."""
    return callbacks.release(hl.conn, request_id, account.name, supervisor=account.supervisor,
                             settings=hl.settings, queues=hl.queues)


def complete(hl: Any, request_id: str, account: Account, outcome: str, note: str) -> dict[str, Any]:
    return callbacks.complete(hl.conn, request_id, account.name, outcome, note, hl.settings)


def call(hl: Any, request_id: str, account: Account) -> str:
    return calls.start_call(hl, request_id, account)


def status_for(exc: callbacks.CallbackError) -> int:
    """The HTTP status for a refused action."""
    if isinstance(exc, callbacks.NoSuchRequest):
        return 404
    if isinstance(exc, (callbacks.AlreadyClaimed, callbacks.NotClaimable)):
        return 409
    if isinstance(exc, calls.CallUnavailable):
        return 409
    return 400


def done_message(action: str, request_id: str, result: Any = None) -> str:
    what = f"'{result['reason']}' ({request_id})" if isinstance(result, dict) and result.get("reason") else request_id
    if action == "claim":
        return f"You have claimed {what}. Call them now."
    if action == "release":
        return f"{what} is back in the queue."
    if action == "call":
        return "Calling your phone now: answer it and you will be connected (they see the helpline's number)."
    if isinstance(result, dict) and result.get("status") == callbacks.Status.OPEN:
        return f"No answer recorded for {what}; it is back in the queue to try again."
    return f"{what} is closed. Thank you."
