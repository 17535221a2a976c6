"""The JSON API under ``/api/``: the same queue and actions as the staff pages, with the same login.

Authentication is the staff session cookie: ``POST /api/login`` with ``{"name", "password"}`` (JSON only, so a
form on another site cannot post it) sets it and returns a CSRF token; every other ``POST`` must send that
token in an ``X-CSRFToken`` header. Anonymous requests get ``401`` JSON, never a redirect.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, abort, g, jsonify, request
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from wtforms.validators import ValidationError

from helpline.context import helpline_of
from helpline.logs import mask
from helpline.queue import callbacks
from helpline.queue.outbound import outbox
from helpline.queue.records import CallbackRequest
from helpline.staff import accounts, actions, auth, board
from helpline.staff.bp import valid_request_id

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.before_request
def guard():  # type: ignore[no-untyped-def]
    if request.endpoint == "api.login":
        if not request.is_json:
            return jsonify(error="send JSON: {\"name\": ..., \"password\": ...}"), 415
        return None
    refused = auth.login_refusal()  # the staff pages' login check too: here it answers 401 JSON
    if refused is not None:
        return refused
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        # The token alone, from the X-CSRFToken header (Flask-WTF's protect() would also want a Referer over
        # https, which scripts do not send; SameSite cookies and the JSON-only login cover the rest).
        try:
            validate_csrf(request.headers.get("X-CSRFToken") or request.headers.get("X-CSRF-Token"))
        except ValidationError as exc:
            raise CSRFError(exc.args[0] if exc.args else "CSRF token missing") from None
    if not valid_request_id():
        return jsonify(error=f"no callback request {request.view_args['request_id'][:40]!r}"), 404  # type: ignore[index]
    return None


def _limit(default: int, most: int = 1000) -> int:
    """The ``limit`` query argument, 1 to ``most``; anything else is a 400 (a JSON 400)."""
    raw = request.args.get("limit")
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= most:
        refusal = jsonify(error=f"limit must be a whole number from 1 to {most}")
        refusal.status_code = 400
        abort(refusal)
    return int(raw)


def _me() -> dict[str, Any]:
    account = g.account
    return {"name": account.name, "role": account.role.value, "csrf_token": generate_csrf(),
            "click_to_call": actions.calls.can_call(helpline_of().settings, account)}


@bp.post("/login")
def login():  # type: ignore[no-untyped-def]
    hl = helpline_of()
    wait = auth.login_throttled()
    if wait:
        return jsonify(error=f"too many login attempts from here: wait {wait} seconds", wait=wait), 429, \
            {"Retry-After": str(wait)}
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    try:
        account = accounts.check_login(hl.conn, str(body.get("name", "")), str(body.get("password", "")),
                                       hl.settings, request.remote_addr or "")
    except accounts.LoginRefused as exc:
        return jsonify(error=str(exc), wait=exc.wait, locked=exc.locked), 429 if exc.wait else 401
    auth.log_in(account)
    return jsonify(_me())


@bp.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    auth.log_out()
    return jsonify(ok=True)


@bp.get("/me")
def me():  # type: ignore[no-untyped-def]
    return jsonify(_me())


@bp.get("/callbacks")
def list_callbacks():  # type: ignore[no-untyped-def]
    hl = helpline_of()
    now = time.time()
    rows = board.board(hl.conn, g.account, now)
    return jsonify(now=now, poll_seconds=hl.settings.staff_poll_seconds, signature=board.signature(rows),
                   mine=board.signature([r for r in rows if r["mine"]]), requests=rows)


@bp.get("/callbacks/<request_id>")
def get_callback(request_id: str):  # type: ignore[no-untyped-def]
    hl = helpline_of()
    found = callbacks.load(hl.conn, request_id)
    if found is None:
        return jsonify(error=f"no callback request {request_id}"), 404
    row = board.row_for(found, g.account, time.time())
    row.update(outcome=found.outcome.value if found.outcome else None, completed_by=found.completed_by,
               completed_at=found.completed_at)
    out: dict[str, Any] = {"request": row}
    if g.account.supervisor:
        out["audit"] = callbacks.audit_trail(hl.conn, request_id)
    return jsonify(out)


@bp.post("/callbacks/<request_id>/<action>")
def act(request_id: str, action: str):  # type: ignore[no-untyped-def]
    hl = helpline_of()
    body = request.get_json(silent=True) or {}
    try:
        if action == "claim":
            result: CallbackRequest = actions.claim(hl, request_id, g.account)
        elif action == "release":
            result = actions.release(hl, request_id, g.account)
        elif action == "complete":
            if not body.get("outcome"):
                return jsonify(error="send JSON with an outcome: "
                                     + ", ".join(o.value for o in callbacks.Outcome)), 400
            result = actions.complete(hl, request_id, g.account, str(body["outcome"]), str(body.get("note", "")))
        elif action == "call":
            job_id = actions.call(hl, request_id, g.account)
            return jsonify(ok=True, job=job_id, message=actions.done_message("call", request_id)), 202
        else:
            return jsonify(error=f"no action {action!r}: claim, release, complete or call"), 404
    except callbacks.CallbackError as exc:
        return jsonify(error=str(exc)), actions.status_for(exc)
    found = callbacks.load(hl.conn, request_id) or result  # as the action left it, if it has gone since
    return jsonify(ok=True, message=actions.done_message(action, request_id, result),
                   request=board.row_for(found, g.account, time.time()))


# -- supervisors ------------------------------------------------------------------------------------------------
@bp.get("/history")
@auth.supervisor_required
def history():  # type: ignore[no-untyped-def]
    return jsonify(requests=board.history(helpline_of().conn, _limit(100)))


@bp.get("/audit")
@auth.supervisor_required
def audit():  # type: ignore[no-untyped-def]
    return jsonify(entries=board.recent_audit(helpline_of().conn, _limit(200)))


@bp.get("/load")
@auth.supervisor_required
def load():  # type: ignore[no-untyped-def]
    return jsonify(staff=board.load(helpline_of().conn))


@bp.get("/overdue")
@auth.supervisor_required
def overdue():  # type: ignore[no-untyped-def]
    now = time.time()
    return jsonify(requests=board.overdue(board.board(helpline_of().conn, g.account, now), now))


@bp.get("/outbox")
@auth.supervisor_required
def outbox_list():  # type: ignore[no-untyped-def]
    hl = helpline_of()
    if hl.settings.twilio_configured:
        return jsonify(error="no local outbox: Twilio is configured"), 404
    return jsonify(messages=[{**m, "to": mask(str(m["to"]))} for m in outbox(hl.conn, 100)])
