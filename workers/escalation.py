"""The escalation ladder for an unclaimed crisis request: re-alert until someone claims it.

Step 1 runs at the request's due time (``DUE_CRISIS_MINUTES``) and re-alerts the staff on shift (or
``STAFF_ALERT_NUMBERS`` when nobody is, plus the supervisors for a crisis outside every shift, see
:mod:`helpline.staff.roster`); step 2, ``ESCALATION_MINUTES``' first figure later, adds the supervisors; step 3, its
second figure later, adds ``BACKUP_ALERT_NUMBERS``; after that everyone on the ladder is texted again at that
interval until the request is claimed or closed (at most ``MAX_STEPS`` texts in all). Each step is a job RQ's
scheduler runs at its time; each re-reads the request and stops when it is no longer open. A release (by hand or a
lapsed claim) starts a new ladder (its own ``run``), and jobs of an older ladder stop. Every step goes to the audit
trail and the daily counts (``escalation:{rung}``).
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from helpline.queue import callbacks, stats
from helpline.staff import roster
from helpline.staff.textclaim import claim_code
from workers.alerts import _send_all, _summary
from workers.context import job_context

log = logging.getLogger(__name__)
RUNGS = ("on shift", "supervisors", "backup list")
MAX_STEPS = 12


def now() -> float:
    """The clock the ladder reads (tests freeze it)."""
    return time.time()


def job_id(request_id: str, run: str, step: int) -> str:
    return f"esc-{request_id}-{run or 'first'}-{step}"


def escalate(request_id: str, step: int = 1, run: str = "") -> dict[str, object]:
    """One step of the ladder for ``request_id``; schedules the next while the request stays unclaimed."""
    ctx = job_context()
    request = callbacks.load(ctx.conn, request_id)
    if request is None or request.status != callbacks.Status.OPEN:
        return {"escalated": False, "status": request and request.status.value}
    if (request.escalation or "") != run:
        return {"escalated": False, "why": "a newer ladder runs"}
    at = now()
    rung = min(step, len(RUNGS))
    recipients = roster.alert_recipients(ctx.conn, ctx.settings, "crisis", escalate=rung >= 2, now=at)
    numbers, why = recipients.numbers, recipients.why
    if rung >= 3:
        numbers = list(dict.fromkeys(numbers + list(ctx.settings.backup_alert_numbers)))
        why += " + backup list"
    waited = max(0, round((at - request.created) / 60))
    body = (f"{ctx.settings.org_name} helpline: UNCLAIMED CRISIS callback request {request_id} "
            f"({_summary(request)}), waiting {waited} min. Reply CLAIM {claim_code(request_id)} to take it, or "
            f"open the staff queue.")
    sent = _send_all(ctx, f"{job_id(request_id, run, step)}", numbers, body, f"escalation:{rung}")
    callbacks.add_audit(ctx.conn, request_id, "helpline", "escalated",
                        f"step {step} ({RUNGS[rung - 1]}): texted {sent} phone(s); {why}", at)
    stats.bump(ctx.conn, ctx.settings, [f"escalation:{rung}"], at)
    if step < MAX_STEPS:
        delays = ctx.settings.escalation_minutes
        delay = delays[min(step, len(delays)) - 1] * 60
        schedule(ctx.queue(callbacks.QUEUE_FOR_PRIORITY["crisis"]), request_id, step + 1, run, at + delay)
    else:
        log.warning("escalation of %s stopped after %d steps, still unclaimed", request_id, step)
    return {"escalated": True, "step": step, "sent": sent}


def schedule(queue, request_id: str, step: int, run: str, when: float, pipeline=None) -> None:  # type: ignore[no-untyped-def]
    """Put step ``step`` of ladder ``run`` on RQ's scheduler at ``when`` (a timestamp)."""
    queue.enqueue_at(dt.datetime.fromtimestamp(when, dt.UTC), "workers.escalation.escalate", request_id, step, run,
                     job_id=job_id(request_id, run, step), retry=callbacks.ALERT_RETRY, pipeline=pipeline,
                     result_ttl=24 * 3600, failure_ttl=7 * 24 * 3600)
