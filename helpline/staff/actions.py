"""Staff actions on a request, shared by the pages and the JSON API: who may do what, and the words for it."""

from __future__ import annotations

from typing import Any

from helpline.queue import callbacks
from helpline.queue.records import CallbackRequest
from helpline.staff import calls
from helpline.staff.accounts import Account


def claim(hl: Any, request_id: str, account: Account) -> CallbackRequest:
    return callbacks.claim(hl.conn, request_id, account.name, hl.settings, hl.queues)


def release(hl: Any, request_id: str, account: Account) -> CallbackRequest:
    """The holder releases their claim; a supervisor may release anyone's."""
    return callbacks.release(hl.conn, request_id, account.name, supervisor=account.supervisor,
                             settings=hl.settings, queues=hl.queues)


def complete(hl: Any, request_id: str, account: Account, outcome: str, note: str) -> CallbackRequest:
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


def done_message(action: str, request_id: str, result: CallbackRequest | str | None = None) -> str:
    """What staff are told after ``action`` (``result``: the request as the action left it; a job id for a call)."""
    request = result if isinstance(result, CallbackRequest) else None
    what = f"'{request.reason}' ({request_id})" if request and request.reason else request_id
    if action == "claim":
        return f"You have claimed {what}. Call them now."
    if action == "release":
        return f"{what} is back in the queue."
    if action == "call":
        return "Calling your phone now: answer it and you will be connected (they see the helpline's number)."
    if request and request.status == callbacks.Status.OPEN:
        return f"No answer recorded for {what}; it is back in the queue to try again."
    return f"{what} is closed. Thank you."
