"""Wiring the staff pages (``/staff``) and the JSON API (``/api/``) into the app: the blueprints, cookie settings,
CSRF, security headers, template helpers. Called by :func:`helpline.app.create_app`.

Kept out of ``helpline/staff/__init__.py`` so that importing the staff package (the roster, accounts, claim by
text, as the RQ jobs do) does not import flask.
"""

from __future__ import annotations

import datetime as dt
import time

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect

csrf = CSRFProtect()

LANGUAGES = {"en": "English", "es": "Spanish"}
CHANNELS = {"sms": "Text", "voice": "Phone call"}
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


def init_app(app: Flask) -> None:
    from helpline.context import helpline_of
    from helpline.staff import api, auth, recordings, supervisors, views  # noqa: F401 - views register routes on bp
    from helpline.staff.bp import bp
    from helpline.staff.forms import OUTCOME_LABELS

    auth.configure(app)
    # Checked by the staff and API blueprints' own guards, after the login check, so the Twilio webhooks
    # (signed by Twilio, not by a browser form) are never asked for a CSRF token.
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the token lives as long as the login session
    csrf.init_app(app)
    app.register_blueprint(bp)
    app.register_blueprint(api.bp)
    settings = helpline_of(app).settings

    @app.errorhandler(CSRFError)
    def csrf_refused(exc: CSRFError):  # type: ignore[no-untyped-def]
        if request.path.startswith("/api/"):
            return jsonify(error=f"CSRF check failed: {exc.description}",
                           hint="send the X-CSRFToken header from /api/me or /api/login"), 400
        return render_template("staff/error.html", title="Please try again",
                               message="This form was not sent from a current helpline page (its security "
                                       "token is missing or old). Go back, reload the page and try again."), 400

    @app.after_request
    def security_headers(response):  # type: ignore[no-untyped-def]
        if request.path.startswith(("/staff", "/api/")):
            response.headers.setdefault("Content-Security-Policy", CSP)
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            response.headers.setdefault("Referrer-Policy", "same-origin")  # https CSRF checks need it
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers["Cache-Control"] = "no-store"  # pages carry health data and numbers
        return response

    @app.context_processor
    def staff_context():  # type: ignore[no-untyped-def]
        return {"account": auth.current_account() if request.path.startswith("/staff") else None,
                "settings": settings, "languages": LANGUAGES, "channels": CHANNELS,
                "outcome_labels": {o.value: label for o, label in OUTCOME_LABELS.items()}}

    zone = settings.hours.zone

    @app.template_filter("clock")
    def clock(ts: float | None) -> str:
        if not ts:
            return "-"
        when = dt.datetime.fromtimestamp(float(ts), zone)
        today = dt.datetime.now(zone).date()
        return when.strftime("%H:%M") if when.date() == today else when.strftime("%a %d %b %H:%M")

    @app.template_filter("span")
    def span(seconds: float) -> str:
        seconds = abs(int(seconds))
        if seconds < 60:
            return f"{seconds} s"
        minutes = seconds // 60
        if minutes < 60:
            return f"{minutes} min"
        if minutes < 48 * 60:
            return f"{minutes // 60} h {minutes % 60:02d} min"
        return f"{minutes // 1440} days"

    @app.template_global("now_ts")
    def now_ts() -> float:
        return time.time()
