"""What a job needs (settings, Redis, queues, the outbound sender). Jobs re-read everything else from Redis."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import redis
from rq import Queue, get_current_job

from helpline.channels.outbound import Sender
from helpline.config import Settings, load_settings
from helpline.redisdb import connect


@dataclass
class JobContext:
    settings: Settings
    conn: redis.Redis
    sender: Sender

    def queue(self, name: str) -> Queue:
        return Queue(name, connection=self.conn)


@lru_cache(maxsize=1)
def _settings() -> Settings:
    return load_settings()


def job_context() -> JobContext:
    settings = _settings()
    job = get_current_job()
    conn = job.connection if job is not None else connect(settings.redis_url or "")
    return JobContext(settings, conn, Sender(settings, conn, settings.twilio_api_base))
