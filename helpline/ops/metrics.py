"""``GET /metrics``: Prometheus metrics, in the text format, for operators to graph and be paged on.

Two kinds:

- Counted in the web processes (prometheus-client; under gunicorn in its multiprocess mode, so every worker's
  counts add up): ``helpline_webhook_seconds{endpoint}`` and ``helpline_crisis_detections_total{category}``.
- Read from Redis at scrape time by :class:`QueueCollector`, so they are the same whichever process is scraped
  and nothing lives in one process's memory: the callback queue (open, overdue, the oldest unclaimed request by
  priority), staff alerts sent and failed (counted by the workers in Redis), RQ queue depths, live workers, and
  the outage journal's depth.

``METRICS_TOKEN``, when set, must come as ``Authorization: Bearer <token>``. Labels are small fixed sets: never
a phone number or an id.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import redis
from flask import Blueprint, Flask, Response, g, has_request_context, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from helpline.queue.stats import ALERTS_KEY

bp = Blueprint("metrics", __name__)

PRIORITIES = ("crisis", "urgent", "routine")
ALERT_RESULTS = ("sent", "failed", "opted_out")
WEBHOOK_PREFIXES = ("/sms", "/voice")

WEBHOOK_SECONDS = Histogram("helpline_webhook_seconds", "Time to answer a Twilio webhook, by endpoint.",
                            ["endpoint"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15))
CRISIS_DETECTIONS = Counter("helpline_crisis_detections_total",
                            "Inbound messages and speech the crisis screen flagged, by category.", ["category"])


def noting_crisis(outcome: Any) -> Any:
    """``outcome`` (a dialogue or voice turn's), after noting its crisis verdict if it has one."""
    verdict = getattr(outcome, "verdict", None)
    if verdict is not None and verdict.crisis:
        crisis_detected(verdict.category)
    return outcome


def crisis_detected(category: str | None) -> None:
    """Note a crisis in this request; :func:`init_app` counts it once when the request ends (a retried
    transaction deciding twice counts once)."""
    if has_request_context():
        g.helpline_crisis = category or "unknown"


# -- read from Redis at scrape time ---------------------------------------------------------------------------
class QueueCollector(Collector):
    """The callback queue, alerts, RQ queues, workers and the outage journal, read from Redis per scrape."""

    def __init__(self, conn: redis.Redis, data_dir: Path, queue_names: tuple[str, ...]):
        self.conn = conn
        self.data_dir = data_dir
        self.queue_names = queue_names

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("helpline_redis_up", "1 when Redis answered this scrape.")
        try:
            metrics = list(self._from_redis(time.time()))
        except (redis.RedisError, OSError):
            up.add_metric([], 0)
            metrics = []
        else:
            up.add_metric([], 1)
        yield up
        yield from metrics
        journal = GaugeMetricFamily("helpline_outage_journal_entries",
                                    "Events written to the outage journal while Redis was down, not yet replayed.")
        journal.add_metric([], journal_depth(self.data_dir))
        yield journal

    def _from_redis(self, now: float) -> Iterator[Metric]:
        from helpline.queue import callbacks
        from helpline.redisdb import scored, text
        from workers.watchdog import ALIVE_PREFIX

        entries = scored(self.conn.zrange(callbacks.QUEUE_KEY, 0, -1, withscores=True))
        pipe = self.conn.pipeline(transaction=False)
        for member, _score in entries:
            pipe.hget(callbacks.request_key(member), "due")
        dues = pipe.execute() if entries else []
        open_, overdue = dict.fromkeys(PRIORITIES, 0), dict.fromkeys(PRIORITIES, 0)
        oldest: dict[str, float] = dict.fromkeys(PRIORITIES, 0.0)
        for (_member, score), due in zip(entries, dues, strict=True):
            rank = min(int(score // 1e11), len(PRIORITIES) - 1)
            priority, created = PRIORITIES[rank], score - rank * 1e11
            open_[priority] += 1
            oldest[priority] = max(oldest[priority], now - created)
            if due is not None and float(due) < now:
                overdue[priority] += 1
        yield _by_priority("helpline_callbacks_open", "Callback requests waiting for someone to claim them.", open_)
        yield _by_priority("helpline_callbacks_overdue", "Unclaimed callback requests past their due time.", overdue)
        yield _by_priority("helpline_oldest_unclaimed_seconds",
                           "How long the oldest unclaimed request has waited (0: none waiting).", oldest)
        claimed = GaugeMetricFamily("helpline_callbacks_claimed", "Callback requests a staff member holds.")
        claimed.add_metric([], self.conn.zcard(callbacks.CLAIMED_KEY))
        yield claimed

        counts = {text(k): int(v) for k, v in self.conn.hgetall(ALERTS_KEY).items()}
        alerts = CounterMetricFamily("helpline_alerts", "Staff alert texts, by result.", labels=["result"])
        for result in ALERT_RESULTS:
            alerts.add_metric([result], counts.get(result, 0))
        yield alerts

        depth = GaugeMetricFamily("helpline_queue_jobs", "Jobs waiting in each RQ queue.", labels=["queue"])
        for name in self.queue_names:
            depth.add_metric([name], self.conn.llen(f"rq:queue:{name}"))
        yield depth
        alive = sum(1 for _ in self.conn.scan_iter(match=ALIVE_PREFIX + "*", count=100))
        workers = GaugeMetricFamily("helpline_workers_alive", "helpline workers whose heartbeat is current.")
        workers.add_metric([], alive)
        yield workers


def _by_priority(name: str, doc: str, values: Mapping[str, float]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=["priority"])
    for priority, value in values.items():
        family.add_metric([priority], value)
    return family


def journal_depth(data_dir: Path) -> int:
    """Entries waiting in the outage journal (``HELPLINE_DATA_DIR/journal``)."""
    from helpline.channels.journal import Journal

    try:
        return Journal(data_dir / "journal").count()
    except OSError:  # a scrape must not fail on the journal
        return 0


# -- the endpoint ---------------------------------------------------------------------------------------------
def exposition(collector: QueueCollector) -> bytes:
    """This process's (or, under gunicorn, every worker's) metrics and the Redis-backed ones, as text."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        local = CollectorRegistry()
        multiprocess.MultiProcessCollector(local)
    else:
        local = REGISTRY
    scraped = CollectorRegistry(auto_describe=False)
    scraped.register(collector)
    return generate_latest(local) + generate_latest(scraped)


@bp.get("/metrics")
def metrics():  # type: ignore[no-untyped-def]
    from helpline.context import QUEUE_NAMES, helpline_of  # not at the top: context imports this module

    hl = helpline_of()
    token = hl.settings.metrics_token
    if token:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return Response("401 Unauthorized: send Authorization: Bearer <METRICS_TOKEN>\n", status=401,
                            mimetype="text/plain", headers={"WWW-Authenticate": "Bearer"})
    body = exposition(QueueCollector(hl.conn, hl.settings.data_dir, QUEUE_NAMES))
    return Response(body, mimetype=CONTENT_TYPE_LATEST.split(";")[0],
                    headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})


def init_app(app: Flask) -> None:
    """``/metrics``, and the webhook timer and crisis count around every ``/sms`` and ``/voice`` request."""
    app.register_blueprint(bp)

    @app.before_request
    def start_timer() -> None:
        if request.path.startswith(WEBHOOK_PREFIXES):
            g.helpline_started = time.perf_counter()

    @app.teardown_request
    def observe(exc: BaseException | None) -> None:
        started = g.pop("helpline_started", None)
        if started is not None:
            WEBHOOK_SECONDS.labels(request.endpoint or "unknown").observe(time.perf_counter() - started)
        category = g.pop("helpline_crisis", None)
        if category is not None:
            CRISIS_DETECTIONS.labels(category).inc()
