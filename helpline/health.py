"""``/healthz``: the process is up. ``/readyz``: it can do its work (Redis answers)."""

from __future__ import annotations

import redis
from flask import Blueprint, jsonify, redirect

from helpline.app import helpline_of

bp = Blueprint("health", __name__)


@bp.get("/")
def index():  # type: ignore[no-untyped-def]
    """People who open the server in a browser are staff: send them to the queue (which asks them to log in)."""
    return redirect("/staff", code=302)


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():  # type: ignore[no-untyped-def]
    hl = helpline_of()
    try:
        hl.conn.ping()
    except (redis.RedisError, OSError):
        return jsonify(status="unavailable", redis="down"), 503
    return jsonify(status="ready", redis="ok", flow=hl.flow.version, lexicon=hl.lexicon.version)
