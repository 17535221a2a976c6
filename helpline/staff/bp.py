"""The ``staff`` blueprint and the guard every one of its URLs passes: log in first, and a CSRF token on every
POST. The guard is blueprint-wide, so a page added later cannot forget it."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request, url_for

from helpline.staff import auth

bp = Blueprint("staff", __name__, url_prefix="/staff")
PUBLIC_ENDPOINTS = {"staff.login"}


@bp.before_request
def guard():  # type: ignore[no-untyped-def]
    from helpline.staff import csrf

    if request.endpoint in PUBLIC_ENDPOINTS:
        if request.method == "POST":
            csrf.protect()
        return None
    if auth.current_account() is None:
        if auth.wants_json():
            return jsonify(error="login required", login=url_for("staff.login")), 401
        target = request.full_path.rstrip("?") if request.method == "GET" else url_for("staff.queue")
        return redirect(url_for("staff.login", next=target))
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    return None


@bp.errorhandler(403)
def forbidden(exc):  # type: ignore[no-untyped-def]
    return render_template("staff/error.html", title="Supervisors only",
                           message="This page is for supervisors."), 403


@bp.errorhandler(404)
def not_found(exc):  # type: ignore[no-untyped-def]
    return render_template("staff/error.html", title="Not found",
                           message="There is no such page or request (closed requests expire)."), 404
