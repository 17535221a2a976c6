"""The Flask app factory: settings, content, Redis and queues are made here and hung on the app."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import redis
from flask import Flask, Response, current_app, request
from rq import Queue
from werkzeug.exceptions import HTTPException

from helpline import failsafe, logs, redisdb
from helpline.config import Settings, load_settings
from helpline.conversations import Conversations
from helpline.crisis import Lexicon, Verdict, load_lexicon
from helpline.dialogue import Inbound, Outcome, turn
from helpline.engine import Flow, State, load_flow
from helpline.journal import Journal
from helpline.twilio_io import sms_reply

log = logging.getLogger(__name__)
QUEUE_NAMES = ("crisis", "default", "low")  # workers listen in this order


@dataclass
class Helpline:
    """Everything the webhooks need, made once per process by :func:`create_app`."""

    settings: Settings
    flow: Flow
    lexicon: Lexicon
    conn: redis.Redis
    queues: dict[str, Queue]
    conversations: Conversations
    journal: Journal

    def decide(self, state: State, inbound: Inbound, verdict: Verdict | None = None) -> Outcome:
        return turn(self.flow, self.lexicon, state, inbound, verdict)


def load_content(settings: Settings) -> tuple[Flow, Lexicon]:
    """The flow and crisis lexicon; raises :class:`~helpline.errors.ContentError` so the app refuses to start."""
    flow = load_flow(settings.flows_dir / "main.yaml", settings.variables)
    lexicon = load_lexicon(settings.flows_dir / "crisis.yaml", settings.variables)
    return flow, lexicon


def create_app(settings: Settings | Mapping[str, Any] | None = None) -> Flask:
    """Build the helpline's WSGI app. ``settings`` may be a :class:`Settings` or a mapping of overrides."""
    if not isinstance(settings, Settings):
        settings = load_settings(settings)
    logs.setup(settings.log_level)
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
    if not settings.signature_check:
        for _ in range(3):
            log.warning("TWILIO_SIGNATURE_CHECK=off: webhooks accept UNSIGNED requests; anyone can post to them. "
                        "Never run like this where the internet can reach it.")
    log.info("flows: %s version %s; crisis lexicon version %s; twilio: %s", flow.name, flow.version,
             lexicon.version, "configured" if settings.twilio_configured else "not configured (local outbox)")

    from helpline.health import bp as health_bp
    from helpline.sms import bp as sms_bp
    from helpline.staff import init_app as init_staff
    from helpline.voice import bp as voice_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(sms_bp)
    app.register_blueprint(voice_bp)
    init_staff(app)  # /staff pages and /api/: blueprints, session cookie, CSRF, security headers
    _register_errors(app)
    if settings.journal_replay_seconds:
        from helpline.replay import Replayer

        # At start-up and every few seconds: what an outage left in the journal reaches the queue late.
        app.extensions["journal_replayer"] = Replayer(helpline, settings.journal_replay_seconds)
        app.extensions["journal_replayer"].start()
    return app


def helpline_of(app: Flask | None = None) -> Helpline:
    return (app or current_app).extensions["helpline"]


def _register_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        return Response(f"{exc.code} {exc.name}: {exc.description}\n", status=exc.code or 500,
                        mimetype="text/plain")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.path, exc_info=exc)
        if request.path.startswith("/sms"):
            hl = helpline_of()
            return sms_reply(failsafe.sms_texts(hl.settings, hl.lexicon, ""))
        if request.path.startswith("/voice"):  # a caller never hears Twilio's "application error"
            hl = helpline_of()
            return Response(failsafe.voice_twiml(hl.settings, hl.lexicon), status=200, mimetype="application/xml")
        return Response("500 Internal Server Error\n", status=500, mimetype="text/plain")
