"""Recovering the jobs of a worker that died mid-job, in seconds rather than at RQ's ten-minute maintenance.

Every ``helpline worker`` keeps a short-lived liveness key in Redis (refreshed every few seconds by a thread),
and a long-lived key saying it is a helpline worker at all, and runs the watchdog on the same thread: a job in
a StartedJobRegistry held by a *helpline* worker whose liveness key has lapsed was abandoned (the worker was
SIGKILLed, or its machine died). The watchdog takes it out of the registry atomically (so two watchdogs never
both recover it) and puts it back at the front of its queue, using up one of its RQ retries when it has them.

Everything else is RQ's own maintenance (run every ``MAINTENANCE_SECONDS`` instead of RQ's ten minutes): a
job held by another kind of worker (a plain ``rq worker`` has no helpline heartbeat, so the watchdog cannot
tell whether it still runs, and leaves it alone: no double run), and a job with no retries left (RQ moves it
to the failed registry). Jobs are idempotent (see :meth:`helpline.channels.outbound.Sender.send_once`), so a job that
did get half-way is safe to rerun.
"""

from __future__ import annotations

import logging
import threading

import redis
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from rq.worker.base import BaseWorker

from helpline.redisdb import texts

log = logging.getLogger(__name__)
ALIVE_TTL = 6  # seconds without a heartbeat after which a worker is taken for dead
KNOWN_TTL = 7 * 24 * 3600  # how long a dead helpline worker is remembered as one (refreshed by every beat)
BEAT_EVERY = 1.5
SCHEDULER_CHECK_EVERY = 6  # passes, about every 9 seconds
MAINTENANCE_SECONDS = 30  # RQ's own maintenance (abandoned jobs of other workers, registries), not 600
MAX_RECOVERIES = 3  # a job with no RQ retries is recovered this often, then left to RQ (it fails it)
ALIVE_PREFIX = "hl:worker-alive:"
KNOWN_PREFIX = "hl:worker-known:"


def alive_key(worker_name: str) -> str:
    return ALIVE_PREFIX + worker_name


def known_key(worker_name: str) -> str:
    return KNOWN_PREFIX + worker_name


def beat(conn: redis.Redis, worker_name: str) -> None:
    pipe = conn.pipeline(transaction=False)
    pipe.set(alive_key(worker_name), 1, ex=ALIVE_TTL)
    pipe.set(known_key(worker_name), 1, ex=KNOWN_TTL)
    pipe.execute()


def lapsed(conn: redis.Redis, worker_name: str | None) -> bool:
    """True only for a helpline worker whose heartbeat has stopped; False for a live one and for any worker
    that never kept a helpline heartbeat (its jobs are RQ maintenance's to judge)."""
    if not worker_name or not conn.exists(known_key(worker_name)):
        return False
    return not conn.exists(alive_key(worker_name))


def recover_abandoned(conn: redis.Redis, queues: list[Queue]) -> list[str]:
    """Requeue, at the front, every started job whose worker is dead. Returns the recovered job ids."""
    recovered = []
    for queue in queues:
        registry = StartedJobRegistry(queue=queue)
        for member in texts(conn.zrange(registry.key, 0, -1)):
            job_id = registry.parse_job_id(member)
            try:
                job = Job.fetch(job_id, connection=conn)
            except NoSuchJobError:
                conn.zrem(registry.key, member)
                continue
            if not lapsed(conn, job.worker_name) or job.get_status() != JobStatus.STARTED:
                continue
            recoveries = int(job.meta.get("watchdog_recoveries", 0))
            if job.retries_left == 0 or (job.retries_left is None and recoveries >= MAX_RECOVERIES):
                continue  # out of retries: RQ's maintenance moves it to the failed registry
            if conn.zrem(registry.key, member) != 1:  # another watchdog got there first
                continue
            job.worker_name = None
            job.meta["watchdog_recoveries"] = recoveries + 1
            if job.retries_left:
                job.retries_left -= 1
            job.save()
            queue.enqueue_job(job, at_front=True)
            recovered.append(job.id)
            log.warning("watchdog: job %s of dead worker requeued on %s (%s retries left)", job.id, queue.name,
                        "no" if job.retries_left is None else job.retries_left)
    return recovered


class Watchdog(threading.Thread):
    """The heartbeat of one worker, and the watchdog over all of them."""

    def __init__(self, conn: redis.Redis, worker: BaseWorker, queues: list[Queue]):
        super().__init__(name="helpline-watchdog", daemon=True)
        self.conn = conn
        self.worker = worker
        self.worker_name = worker.name
        self.queues = queues
        self.stopping = threading.Event()

    def run(self) -> None:
        passes = 0
        while not self.stopping.is_set():
            try:
                beat(self.conn, self.worker_name)
                recover_abandoned(self.conn, self.queues)
                passes += 1
                if passes % SCHEDULER_CHECK_EVERY == 0:
                    self.take_over_scheduler()
            except Exception:  # noqa: BLE001 - a Redis blip must not kill the heartbeat
                log.exception("watchdog pass failed")
            self.stopping.wait(BEAT_EVERY)

    def take_over_scheduler(self) -> None:
        """If no live scheduler holds the queues' locks (its worker died), start ours now: RQ itself only
        looks every ten minutes, and scheduled jobs (due-time checks, retries) must not wait that long."""
        scheduler = getattr(self.worker, "scheduler", None)
        if scheduler is None:
            return
        process = getattr(scheduler, "_process", None)
        if process is None or not process.is_alive():
            scheduler.acquire_locks(auto_start=True)

    def stop(self) -> None:
        self.stopping.set()
        self.conn.delete(alive_key(self.worker_name), known_key(self.worker_name))
