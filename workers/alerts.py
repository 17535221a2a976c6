"""Alert on-call staff about a callback request."""

from __future__ import annotations

import logging

from workers.context import job_context

log = logging.getLogger(__name__)


def alert_staff(request_id: str) -> dict[str, object]:
    """Text every on-call number that a request is waiting; the text names no client and quotes nothing."""
    ctx = job_context()
    from helpline import callbacks

    request = callbacks.get(ctx.conn, request_id)
    if request is None:
        log.warning("alert for unknown callback request %s", request_id)
        return {"sent": 0}
    if request["status"] not in ("open",):
        return {"sent": 0, "status": request["status"]}
    priority = request["priority"].upper()
    body = (f"{ctx.settings.org_name} helpline: {priority} callback request {request_id} is waiting "
            f"({request['reason']}). Open the staff queue to claim it.")
    numbers = ctx.settings.staff_alert_numbers
    sent = 0
    for number in numbers:
        ctx.sender.send_sms(number, body, kind=f"staff-alert:{request['priority']}")
        sent += 1
    if not numbers:
        log.warning("no STAFF_ALERT_NUMBERS set: callback request %s alerted nobody", request_id)
    return {"sent": sent}
