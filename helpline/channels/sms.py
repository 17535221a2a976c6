"""``POST /sms``, Twilio's Messaging webhook, and ``POST /sms/status``, its status callback."""

from __future__ import annotations

import logging
import re
import time

from flask import Blueprint, Response, request

from helpline.channels import failsafe
from helpline.channels.journal import Entry
from helpline.channels.twilio_io import sms_reply, twilio_signed
from helpline.context import helpline_of
from helpline.engine.dialogue import Inbound, on_crisis_path, opt_keyword
from helpline.logs import mask
from helpline.phones import e164
from helpline.queue import optouts
from helpline.staff import textclaim
from helpline.understanding.crisis import Verdict

log = logging.getLogger(__name__)
bp = Blueprint("sms", __name__)
SID = re.compile(r"^(SM|MM|SS)[0-9a-fA-F]{32}$")
OPT_OUT_TYPES = {"STOP", "START", "HELP"}


def bad_request(message: str) -> Response:
    return Response(f"400 Bad Request: {message}\n", status=400, mimetype="text/plain")


@bp.post("/sms")
@twilio_signed
def inbound_sms() -> Response:
    hl = helpline_of()
    started = time.perf_counter()
    form = request.form
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    if not SID.match(sid):
        return bad_request("MessageSid is missing or malformed")
    number = e164(form.get("From", ""), hl.settings.default_region)
    if number is None:
        return bad_request("From is missing or not a phone number")
    body = form.get("Body", "")
    staff_reply = textclaim.reply_to(hl, number, body)  # "CLAIM 4821" from a staff phone; None for all else
    if staff_reply is not None:
        return sms_reply(staff_reply)
    opt_out_type = form.get("OptOutType", "").upper()
    inbound = Inbound(body, "sms", opt_out_type=opt_out_type if opt_out_type in OPT_OUT_TYPES else None)
    verdict: Verdict | None = None
    try:
        verdict = hl.lexicon.screen(body)  # once, here: flood control must never silence a crisis
        exempt = verdict.crisis or opt_keyword(inbound) is not None
        limits = None if exempt else (hl.settings.flood_per_minute, hl.settings.flood_per_hour)
        handled = hl.conversations.handle("sms", number, sid, inbound,
                                          lambda state, inb: hl.decide(state, inb, verdict), flood_limits=limits,
                                          never_throttle=lambda state: on_crisis_path(hl.flow, state.node))
        if handled.throttled:
            log.warning("sms sid=%s from=%s throttled: over the flood limits; answered with an empty reply",
                        sid, mask(number))
            return sms_reply([])
    except Exception as exc:  # noqa: BLE001 - whatever broke, the texter still gets the emergency numbers
        verdict = verdict or failsafe.screen(hl.lexicon, body)
        journal = failsafe.journal(hl, Entry("sms", number, sid, body=body), verdict)
        log.error("sms failed, answered with the safe reply: %s sid=%s from=%s crisis=%s journal=%s",
                  type(exc).__name__, sid, mask(number), verdict.category if verdict.crisis else "no", journal,
                  exc_info=exc)
        return sms_reply(failsafe.sms_texts(hl.settings, hl.lexicon, body))
    outcome = handled.outcome
    log.info(
        "sms sid=%s from=%s path=%s node=%s->%s crisis=%s replies=%d flow=%s lexicon=%s ms=%.1f%s",
        sid, mask(number), outcome.path if outcome else "replay", handled.before or "-",
        (outcome.state.node if outcome else None) or "-",
        (outcome.verdict.category if outcome and outcome.verdict.crisis else "no"), len(handled.texts),
        hl.flow.version, hl.lexicon.version, (time.perf_counter() - started) * 1000,
        f" callback={handled.request_id}" if handled.request_id else "",
    )
    return sms_reply(handled.texts)


@bp.post("/sms/status")
@twilio_signed
def sms_status() -> Response:
    """Delivery reports. Error 21610 means the recipient has opted out: honour it everywhere."""
    hl = helpline_of()
    error = request.form.get("ErrorCode", "")
    to = e164(request.form.get("To", ""), hl.settings.default_region)
    if error == "21610" and to:
        optouts.opt_out(hl.conn, to)
        log.info("sms status: %s has opted out (Twilio error 21610); recorded", mask(to))
    return Response(status=204)
