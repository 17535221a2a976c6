"""Who is logged in: a session token in a signed, HttpOnly, SameSite cookie (Secure over https), checked
against Redis on every request, so logout, expiry and a removed account end a session at once."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, abort, g, jsonify, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask.typing import ResponseReturnValue

from helpline.context import helpline_of
from helpline.staff import accounts
from helpline.staff.accounts import Account

log = logging.getLogger(__name__)
SESSION_TOKEN = "t"


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with ``Secure`` set whenever the site is reached over https (directly, or
    behind a TLS-terminating proxy when ``PUBLIC_URL`` is https)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        public = helpline_of(app).settings.public_url or ""
        return bool(app.config["SESSION_COOKIE_SECURE"] or public.startswith("https://") or request.is_secure)


def configure(app: Flask) -> None:
    settings = helpline_of(app).settings
    import datetime as dt

    app.session_interface = SessionInterface()
    app.config.update(SESSION_COOKIE_NAME="helpline_session", SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax",
                      PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=settings.staff_session_hours))


def current_account() -> Account | None:
    """The logged-in staff member for this request, or None."""
    if "account" not in g:
        g.account = accounts.session_account(helpline_of().conn, session.get(SESSION_TOKEN))
    return g.account


def log_in(account: Account) -> None:
    hl = helpline_of()
    accounts.end_session(hl.conn, session.get(SESSION_TOKEN))
    session.clear()  # a fresh session (and CSRF token) after login: no fixation
    session.permanent = True
    session[SESSION_TOKEN] = accounts.start_session(hl.conn, account, hl.settings)
    g.account = account
    log.info("staff login: %s (%s)", account.name, account.role.value)


def log_out() -> None:
    account = current_account()
    accounts.end_session(helpline_of().conn, session.get(SESSION_TOKEN))
    session.clear()
    g.account = None
    if account:
        log.info("staff logout: %s", account.name)


def login_throttled() -> int:
    """Count a login attempt from this client address; seconds to wait when it is over ``LOGIN_PER_MINUTE``."""
    from helpline.staff import throttle

    hl = helpline_of()
    return throttle.hit(hl.conn, "login", request.remote_addr or "", hl.settings.login_per_minute)


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def login_refusal() -> ResponseReturnValue | None:
    """The login check, the only one: None when a staff member is logged in, else what an anonymous request gets.

    Both blueprints' guards (every ``/staff`` page, every ``/api/`` URL) and :func:`supervisor_required` ask
    it, so the page-versus-JSON answer is decided here alone: the API answers 401 JSON (it has its own login,
    ``POST /api/login``); a page asked for as JSON, 401 JSON naming the login page; a page sends the visitor to
    the login page and back afterwards (after a form's POST, back to the queue: the form is not sent twice).
    """
    if current_account() is not None:
        return None
    if request.path.startswith("/api/"):
        return jsonify(error="login required"), 401
    if wants_json():
        return jsonify(error="login required", login=url_for("staff.login")), 401
    target = request.full_path.rstrip("?") if request.method == "GET" else url_for("staff.queue")
    return redirect(url_for("staff.login", next=target))


def supervisor_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Supervisors only: others get 403 (JSON, or the staff 403 page). The blueprint guard has already asked
    for a login; asking again here keeps a view safe should it ever be registered outside the blueprints."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        refused = login_refusal()
        if refused is not None:
            return refused
        account = current_account()
        if account is None or not account.supervisor:
            if wants_json():
                return jsonify(error="supervisors only"), 403
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def safe_next(target: str | None) -> str:
    """Where to go after logging in: only a path on this site under /staff, never another site."""
    if (target and target.startswith("/staff") and not target.startswith("//") and "\\" not in target
            and len(target) <= 2000 and target.isprintable() and not any(c.isspace() for c in target)):
        return target
    return url_for("staff.queue")
