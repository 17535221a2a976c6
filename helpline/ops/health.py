"""``/healthz``: the process is up. ``/readyz``: it can do its work (Redis answers), and whether the outage
journal still holds events (``/metrics``, in helpline/ops/metrics.py, says the same for Prometheus)."""

from __future__ import annotations

import redis
from flask import Blueprint, jsonify, redirect

from helpline.context import helpline_of

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
    waiting = hl.journal.count()
    try:
        hl.conn.ping()
    except (redis.RedisError, OSError):
        return jsonify(status="unavailable", redis="down", journal=waiting), 503
    # Redis answers, but events from an outage have not reached it yet: ready, and saying so.
    return jsonify(status="ready" if not waiting else "ready, replaying the outage journal", redis="ok",
                   journal=waiting, flow=hl.flow.version, lexicon=hl.lexicon.version)
