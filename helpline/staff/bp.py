"""The ``staff`` blueprint and the guard every one of its URLs passes: log in first (:func:`auth.login_refusal`,
the same check the API's guard makes), and a CSRF token on every POST. The guard is blueprint-wide, so a page
added later cannot forget it."""

from __future__ import annotations

import re

from flask import Blueprint, abort, render_template, request

from helpline.staff import auth

bp = Blueprint("staff", __name__, url_prefix="/staff")
PUBLIC_ENDPOINTS = {"staff.login"}
REQUEST_ID = re.compile(r"^cb_\d{1,12}_[0-9a-f]{1,32}$")  # as helpline.queue.callbacks makes them


def valid_request_id() -> bool:
    """False when the URL's ``request_id`` cannot be a callback request's id (a Redis key of another kind,
    a phone number, anything typed): such URLs are 404s without a look in Redis."""
    request_id = (request.view_args or {}).get("request_id")
    return request_id is None or bool(REQUEST_ID.match(request_id))


@bp.before_request
def guard():  # type: ignore[no-untyped-def]
    from helpline.staff.web import csrf

    if request.endpoint in PUBLIC_ENDPOINTS:
        if request.method == "POST":
            csrf.protect()
        return None
    refused = auth.login_refusal()
    if refused is not None:
        return refused
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    if not valid_request_id():  # after the login check: anonymous visitors learn nothing, not even a 404
        abort(404)
    return None


@bp.errorhandler(403)
def forbidden(exc):  # type: ignore[no-untyped-def]
    return render_template("staff/error.html", title="Supervisors only",
                           message="This page is for supervisors."), 403


@bp.errorhandler(404)
def not_found(exc):  # type: ignore[no-untyped-def]
    return render_template("staff/error.html", title="Not found",
                           message="There is no such page or request (closed requests expire)."), 404
