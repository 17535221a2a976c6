"""The watchdog requeues only jobs of *helpline* workers whose heartbeat has lapsed, and respects RQ's retries;
a job held by any other worker (a plain ``rq worker``, no helpline heartbeat) is left alone: no double run."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from rq import Queue, Retry
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry

from tests.conftest import ROOT, stop
from workers.watchdog import ALIVE_TTL, beat, known_key, recover_abandoned

BIN = Path(sys.executable).parent


def started_by(conn, queue: Queue, worker_name: str, retry: Retry | None = None) -> Job:  # type: ignore[no-untyped-def]
    """A job as a worker left it when it died mid-run: started, in the started registry, not in the queue."""
    job = queue.enqueue("tests.slow_job.count_and_sleep", "runs", 0, retry=retry)
    conn.lrem(queue.key, 0, job.id)
    job.worker_name = worker_name
    job.set_status(JobStatus.STARTED)
    job.save()
    conn.zadd(StartedJobRegistry(queue=queue).key, {f"{job.id}:exec1": time.time() + 600})
    return job


def test_a_plain_rq_worker_holding_a_job_is_left_alone_no_double_run(conn, redis_url) -> None:  # type: ignore[no-untyped-def]
    queue = Queue("default", connection=conn)
    job = queue.enqueue("tests.slow_job.count_and_sleep", "runs", ALIVE_TTL + 3)
    env = dict(os.environ, REDIS_URL=redis_url, PYTHONPATH=str(ROOT))
    worker = subprocess.Popen([str(BIN / "rq"), "worker", "default", "--burst", "--url", redis_url], env=env,
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while conn.get("runs") is None:
            assert time.monotonic() < deadline and worker.poll() is None, "rq worker never started the job"
            time.sleep(0.1)
        recovered = []
        while conn.get("runs:done") is None:  # the watchdog's passes for the whole run, past ALIVE_TTL
            recovered += recover_abandoned(conn, [queue])
            assert time.monotonic() < deadline, "the job never finished"
            time.sleep(0.5)
        assert worker.wait(timeout=30) == 0
    finally:
        stop(worker)
    assert recovered == []
    assert int(conn.get("runs")) == 1 and job.get_status() == JobStatus.FINISHED


def test_a_lapsed_helpline_worker_s_job_is_requeued_using_a_retry(conn) -> None:  # type: ignore[no-untyped-def]
    queue = Queue("default", connection=conn)
    beat(conn, "hl-dead")
    conn.delete("hl:worker-alive:hl-dead")  # its heartbeat lapsed; it is still known as a helpline worker
    job = started_by(conn, queue, "hl-dead", Retry(max=2))
    assert recover_abandoned(conn, [queue]) == [job.id]
    assert queue.job_ids == [job.id]
    job.refresh()
    assert job.retries_left == 1 and job.worker_name is None
    assert recover_abandoned(conn, [queue]) == []  # once


def test_a_live_helpline_worker_and_a_job_out_of_retries_are_left_to_their_owners(conn) -> None:  # type: ignore[no-untyped-def]
    queue = Queue("default", connection=conn)
    beat(conn, "hl-live")
    live = started_by(conn, queue, "hl-live")
    conn.set(known_key("hl-dead"), 1)
    spent = started_by(conn, queue, "hl-dead", Retry(max=1))
    spent.retries_left = 0
    spent.save()
    assert recover_abandoned(conn, [queue]) == []
    assert queue.job_ids == []
    assert live.get_status() == spent.get_status() == JobStatus.STARTED  # RQ's maintenance fails the spent one
