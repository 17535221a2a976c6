"""The staff pages under ``/staff``: log in, the live queue, actions on a request, and supervisors' views.

Server-rendered HTML that works without JavaScript; ``static/staff.js`` adds live updates (it polls
``/api/callbacks`` and swaps in ``/staff/board``), countdowns and the crisis alarm.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for

from helpline.config import display_number
from helpline.context import helpline_of
from helpline.logs import mask
from helpline.queue import callbacks
from helpline.queue.outbound import outbox
from helpline.queue.records import CallbackRequest
from helpline.staff import accounts, actions, auth, board
from helpline.staff.bp import bp
from helpline.staff.forms import ActionForm, CompleteForm, LoginForm

log = logging.getLogger(__name__)


# -- logging in and out -------------------------------------------------------------------------------------------
@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    hl = helpline_of()
    form = LoginForm()
    error, status = None, 200
    if auth.current_account() is not None and request.method == "GET":
        return redirect(auth.safe_next(request.args.get("next")))
    wait = auth.login_throttled() if request.method == "POST" else 0
    if wait:
        error, status = f"Too many login attempts from here: wait {wait} seconds and try again.", 429
    elif form.validate_on_submit():
        try:
            account = accounts.check_login(hl.conn, form.name.data or "", form.password.data or "", hl.settings,
                                           request.remote_addr or "")
        except accounts.LoginRefused as exc:
            log.warning("staff login refused for %r: %s", accounts.normalise_name(form.name.data or "")[:32],
                        "locked" if exc.locked else "wrong password or waiting")
            error, status = str(exc), 429 if exc.wait else 401
        else:
            auth.log_in(account)
            return redirect(auth.safe_next(request.args.get("next")))
    elif request.method == "POST":
        error, status = "Enter your name and password.", 400
    return render_template("staff/login.html", form=form, error=error), status


@bp.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    auth.log_out()
    flash("You are logged out.")
    return redirect(url_for("staff.login"))


# -- the queue ------------------------------------------------------------------------------------------------------
def _board_context() -> dict[str, Any]:
    hl = helpline_of()
    now = time.time()
    rows = board.board(hl.conn, g.account, now)
    mine = [r for r in rows if r["mine"]]
    return {"rows": rows, "mine": mine, "signature": board.signature(rows), "mine_signature": board.signature(mine),
            "waiting": [r for r in rows if r["status"] == callbacks.Status.OPEN],
            "others": [r for r in rows if r["status"] == callbacks.Status.CLAIMED and not r["mine"]],
            "now": now, "action_form": ActionForm(), "complete_form": CompleteForm(),
            "can_call": actions.calls.can_call(hl.settings, g.account)}


@bp.get("")
def queue():  # type: ignore[no-untyped-def]
    return render_template("staff/queue.html", **_board_context())


@bp.get("/board")
def board_fragment():  # type: ignore[no-untyped-def]
    """The live part of the queue page, for staff.js to swap in when the queue changed."""
    return render_template("staff/_board.html", **_board_context())


@bp.get("/requests/<request_id>")
def request_page(request_id: str):  # type: ignore[no-untyped-def]
    hl = helpline_of()
    found = callbacks.load(hl.conn, request_id)
    if found is None:
        abort(404)
    row = board.row_for(found, g.account, time.time())
    row.update(outcome=found.outcome.value if found.outcome else None, completed_by=found.completed_by,
               completed_at=found.completed_at,
               note=(found.last_note or "") if row["mine"] or g.account.supervisor else "")
    trail = callbacks.audit_trail(hl.conn, request_id) if g.account.supervisor else []
    return render_template("staff/request.html", row=row, trail=trail, now=time.time(),
                           action_form=ActionForm(), complete_form=CompleteForm(),
                           can_call=actions.calls.can_call(hl.settings, g.account))


@bp.post("/requests/<request_id>/<action>")
def act(request_id: str, action: str):  # type: ignore[no-untyped-def]
    hl = helpline_of()
    account = g.account
    back = url_for("staff.queue") + (f"#{request_id}" if action in ("claim", "call") else "")
    result: CallbackRequest | str
    try:
        if action == "claim":
            result = actions.claim(hl, request_id, account)
        elif action == "release":
            result = actions.release(hl, request_id, account)
        elif action == "call":
            result = actions.call(hl, request_id, account)
        elif action == "complete":
            form = CompleteForm()
            if not form.validate():
                flash("Choose an outcome to close the request.", "error")
                return redirect(back)
            result = actions.complete(hl, request_id, account, form.outcome.data or "", form.note.data or "")
        else:
            abort(404)
    except callbacks.CallbackError as exc:
        flash(_refusal(exc), "error")
        return redirect(url_for("staff.queue"))
    flash(actions.done_message(action, request_id, result), "ok")
    return redirect(back)


def _refusal(exc: callbacks.CallbackError) -> str:
    if isinstance(exc, callbacks.AlreadyClaimed):
        return f"Someone else got there first: {exc}."
    return f"Could not do that: {exc}."


# -- supervisors ----------------------------------------------------------------------------------------------------
@bp.get("/overview")
@auth.supervisor_required
def overview():  # type: ignore[no-untyped-def]
    hl = helpline_of()
    now = time.time()
    rows = board.board(hl.conn, g.account, now)
    return render_template("staff/overview.html", overdue=board.overdue(rows, now), load=board.load(hl.conn, now),
                           waiting=sum(r["status"] == "open" for r in rows), now=now, action_form=ActionForm())


@bp.get("/history")
@auth.supervisor_required
def history():  # type: ignore[no-untyped-def]
    return render_template("staff/history.html", rows=board.history(helpline_of().conn), now=time.time())


@bp.get("/audit")
@auth.supervisor_required
def audit():  # type: ignore[no-untyped-def]
    return render_template("staff/audit.html", entries=board.recent_audit(helpline_of().conn), now=time.time())


@bp.get("/outbox")
@auth.supervisor_required
def outbox_page():  # type: ignore[no-untyped-def]
    hl = helpline_of()
    if hl.settings.twilio_configured:
        abort(404)  # only in local mode: with Twilio, messages go to Twilio's own log
    messages = [{**m, "to": mask(str(m["to"]))} for m in outbox(hl.conn, 100)]
    return render_template("staff/outbox.html", messages=messages, now=time.time())


@bp.app_template_filter("phone")
def phone_filter(number: str) -> str:
    return display_number(number, helpline_of().settings.default_region)
