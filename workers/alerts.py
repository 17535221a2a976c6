"""Alerting staff about callback requests: at once, again at the due time, and lapsed claims.

Jobs take a request id and re-read the request, so a retried or late job acts on what is true now. Every text
goes through :func:`helpline.channels.outbound.Sender.send_once`, so a retried job (or one recovered from a killed
worker) never texts anyone twice.
"""

from __future__ import annotations

import datetime as dt
import logging

from helpline.channels.outbound import OptedOut
from helpline.logs import mask
from helpline.queue import callbacks
from helpline.queue.records import CallbackRequest
from helpline.queue.stats import count_alert
from helpline.staff import roster
from workers.context import job_context

log = logging.getLogger(__name__)
MAX_REALERTS = 6


def _on_call(ctx, escalate: bool, priority: str = "routine") -> list[str]:  # type: ignore[no-untyped-def]
    """Staff on shift now (the roster), else STAFF_ALERT_NUMBERS; supervisors too when escalating, or for a
    crisis outside every shift."""
    return roster.alert_recipients(ctx.conn, ctx.settings, priority, escalate=escalate).numbers


def _claim_hint(request_id: str) -> str:
    from helpline.staff.textclaim import claim_code

    return f"Reply CLAIM {claim_code(request_id)} or open the staff queue to claim it."


LANGUAGE_NAMES = {"es": "Spanish"}  # so a specialist who speaks it calls back


def _summary(request: CallbackRequest) -> str:
    code = request.lang or "en"
    lang = "" if code == "en" else f", speaks {LANGUAGE_NAMES.get(code, code)}"
    call_only = ", CALL ONLY - do not text" if request.call_only else ""
    count = request.requests or 1
    times = f", {count} messages asking" if count > 1 else ""
    return f"{request.reason}{lang}{call_only}{times}"


def alert_staff(request_id: str, why: str = "new") -> dict[str, object]:
    """Text on-call staff that a request is waiting. The text names no client and quotes nothing they wrote."""
    ctx = job_context()
    request = callbacks.load(ctx.conn, request_id)
    if request is None or request.status != callbacks.Status.OPEN:
        return {"sent": 0, "status": request and request.status.value}
    body = (f"{ctx.settings.org_name} helpline: {request.priority.upper()} callback request {request_id} is waiting "
            f"({_summary(request)}). {_claim_hint(request_id)}")
    sent = _send_all(ctx, f"alert-{request_id}-{why}-{request.requests}",
                     _on_call(ctx, False, request.priority), body, f"staff-alert:{request.priority}")
    return {"sent": sent}


def check_due(request_id: str, n: int = 1) -> dict[str, object]:
    """At the due time: if nobody has claimed the request, alert again and escalate to supervisors, then look
    again after another interval of the request's priority."""
    ctx = job_context()
    request = callbacks.load(ctx.conn, request_id)
    if request is None or request.status != callbacks.Status.OPEN:
        return {"overdue": False}
    priority = request.priority
    body = (f"{ctx.settings.org_name} helpline: OVERDUE {priority.upper()} callback request {request_id} is still "
            f"unclaimed ({_summary(request)}). {_claim_hint(request_id)}")
    sent = _send_all(ctx, f"due-{request_id}-{n}", _on_call(ctx, True, priority), body, f"overdue:{priority}")
    callbacks.add_audit(ctx.conn, request_id, "helpline", "overdue", f"re-alert {n} to {sent} phone(s)")
    if n < MAX_REALERTS:
        interval = {"crisis": ctx.settings.due_crisis_minutes * 60,
                    "urgent": ctx.settings.due_urgent_minutes * 60}.get(priority, 3600)
        queue = ctx.queue(callbacks.QUEUE_FOR_PRIORITY[priority])
        queue.enqueue_at(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=interval), "workers.alerts.check_due",
                         request_id, n + 1, job_id=f"due-{request_id}-{request.requests}-{n + 1}",
                         retry=callbacks.ALERT_RETRY)
    return {"overdue": True, "sent": sent}


def expire_claim(request_id: str, token: str) -> dict[str, object]:
    """A claim left too long goes back to the queue (unless it was completed or claimed again since)."""
    ctx = job_context()
    try:
        callbacks.release(ctx.conn, request_id, "helpline", why="claim lapsed", token=token, settings=ctx.settings,
                          queues={"crisis": ctx.queue("crisis")})
    except callbacks.CallbackError:
        return {"released": False}
    request = callbacks.load(ctx.conn, request_id)
    if request and request.priority == "crisis":
        alert_staff(request_id, why=f"lapsed-{token}")
    return {"released": True}


def _send_all(ctx, key: str, numbers: list[str], body: str, kind: str) -> int:  # type: ignore[no-untyped-def]
    if not numbers:
        log.warning("no on-call numbers set (STAFF_ALERT_NUMBERS): %s alerted nobody", key)
        return 0
    sent = 0
    for number in numbers:
        try:
            result = ctx.sender.send_once(f"{key}:{number}", number, body, kind=kind)
            sent += 1
            if result.via != "already":  # a rerun job does not count a text twice
                count_alert(ctx.conn, "sent")
        except OptedOut:
            count_alert(ctx.conn, "opted_out")
            log.error("on-call number %s has opted out of texts from the helpline number: not alerted", mask(number))
        except Exception:
            count_alert(ctx.conn, "failed")  # the job fails and RQ retries it (ALERT_RETRY)
            raise
    return sent
