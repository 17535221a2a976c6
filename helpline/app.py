"""The Flask app factory: settings, content, Redis and queues are made here and hung on the app."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import redis
from flask import Flask, Response, jsonify, render_template, request
from rq import Queue
from werkzeug.exceptions import HTTPException

from helpline import logs, redisdb
from helpline.channels import failsafe
from helpline.channels.journal import Journal
from helpline.channels.twilio_io import sms_reply
from helpline.config import Settings, load_settings
from helpline.context import QUEUE_NAMES, Helpline, helpline_of  # cli.py still imports QUEUE_NAMES from here
from helpline.engine import Flow, load_flow
from helpline.errors import RedisUnavailable
from helpline.ops import metrics
from helpline.queue.conversations import Conversations
from helpline.understanding.crisis import Lexicon, load_lexicon

log = logging.getLogger(__name__)


def load_content(settings: Settings) -> tuple[Flow, Lexicon]:
    """The flow and crisis lexicon; raises :class:`~helpline.errors.ContentError` so the app refuses to start."""
    from helpline.understanding.cache import default_folder

    models = default_folder(settings.data_dir)
    flow = load_flow(settings.flows_dir / "main.yaml", settings.variables)
    flow.model_cache = models
    lexicon = load_lexicon(settings.flows_dir / "crisis.yaml", settings.variables, cache_dir=models)
    flow.router  # noqa: B018 - trained (or loaded) now, at start-up, not on the first message
    return flow, lexicon


def create_app(settings: Settings | Mapping[str, Any] | None = None) -> Flask:
    """Build the helpline's WSGI app. ``settings`` may be a :class:`Settings` or a mapping of overrides."""
    if not isinstance(settings, Settings):
        settings = load_settings(settings)
    logs.setup(settings.log_level, settings.log_format)
    flow, lexicon = load_content(settings)
    url, _started = redisdb.ensure_url(settings.redis_url, settings.data_dir)
    conn = redisdb.connect(url)
    queues = {name: Queue(name, connection=conn) for name in QUEUE_NAMES}
    helpline = Helpline(settings, flow, lexicon, conn, queues,
                        Conversations(conn, queues, settings), Journal(settings.data_dir / "journal"))

    app = Flask(__name__)
    app.config.update(SECRET_KEY=settings.secret_key, MAX_CONTENT_LENGTH=settings.max_request_bytes,
                      MAX_FORM_MEMORY_SIZE=settings.max_request_bytes)
    app.extensions["helpline"] = helpline
    if settings.trusted_proxies:  # the client's address and scheme as the proxy saw them, from its headers
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    if not settings.signature_check:
        for _ in range(3):
            log.warning("TWILIO_SIGNATURE_CHECK=off: webhooks accept UNSIGNED requests; anyone can post to them. "
                        "Never run like this where the internet can reach it.")
    log.info("flows: %s version %s; crisis lexicon version %s; twilio: %s", flow.name, flow.version,
             lexicon.version, "configured" if settings.twilio_configured else "not configured (local outbox)")

    from helpline.channels.sms import bp as sms_bp
    from helpline.channels.voice.routes import bp as voice_bp
    from helpline.ops.health import bp as health_bp
    from helpline.staff.web import init_app as init_staff

    app.register_blueprint(health_bp)
    app.register_blueprint(sms_bp)
    app.register_blueprint(voice_bp)
    init_staff(app)  # /staff pages and /api/: blueprints, session cookie, CSRF, security headers
    metrics.init_app(app)  # /metrics, and the webhook timer
    _register_errors(app)
    if settings.journal_replay_seconds:
        from helpline.channels.replay import Replayer

        # At start-up and every few seconds: what an outage left in the journal reaches the queue late.
        app.extensions["journal_replayer"] = Replayer(helpline, settings.journal_replay_seconds)
        app.extensions["journal_replayer"].start()
    return app


def _register_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        return Response(f"{exc.code} {exc.name}: {exc.description}\n", status=exc.code or 500,
                        mimetype="text/plain")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response | tuple[Response, int]:
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.path, exc_info=exc)
        if request.path.startswith("/sms"):
            hl = helpline_of()
            return sms_reply(failsafe.sms_texts(hl.settings, hl.lexicon, ""))
        if request.path.startswith("/voice"):  # a caller never hears Twilio's "application error"
            hl = helpline_of()
            return Response(failsafe.voice_twiml(hl.settings, hl.lexicon), status=200, mimetype="application/xml")
        return staff_error(exc)


def staff_error(exc: Exception) -> tuple[Response, int] | Response:
    """What staff (and API clients) get when something inside fails: a page or JSON that says what to do, 503
    while Redis is unreachable (they can retry), else 500; never a bare server error."""
    down = isinstance(exc, (redis.RedisError, OSError, RedisUnavailable))
    status = 503 if down else 500
    if down:
        title, message = ("The queue is unavailable for a moment",
                          "The helpline cannot reach its database right now; texts and calls still get the "
                          "emergency numbers. Wait a minute and reload this page. If it goes on, call the "
                          "person on call for the system.")
    else:
        title, message = "Something went wrong", "This page failed. Reload it; if it fails again, tell a supervisor."
    if down:
        from flask import g

        g.account = None  # the page's header must not ask Redis who is logged in
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify(error=title, detail=message, retry=down), status
    try:
        return Response(render_template("staff/error.html", title=title, message=message), status=status,
                        mimetype="text/html", headers={"Retry-After": "30"} if down else {})
    except Exception:  # noqa: BLE001 - the page itself may need what failed (the login lookup)
        return Response(f"{status} {title}. {message}\n", status=status, mimetype="text/plain")
