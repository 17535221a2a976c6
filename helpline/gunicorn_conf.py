"""Gunicorn settings for every helpline web process: ``gunicorn --config python:helpline.gunicorn_conf ...``.

Used by ``helpline serve`` and by the ``web`` and ``staff`` services in docker-compose.yml (options on the
command line override these).

- Threaded workers (``gthread``) with timeouts, so a handful of slow clients (headers sent a line every few
  seconds) hold a thread each, not the whole server: ``/sms`` keeps answering. In docker-compose the proxy in
  front buffers whole requests as well.
- The access log masks phone numbers in paths and drops query strings (both can hold numbers), and follows
  ``LOG_FORMAT`` (``json``: one JSON object a line).
- prometheus-client's multiprocess mode: ``PROMETHEUS_MULTIPROC_DIR`` is emptied at start and a dead worker's
  files are marked, so ``/metrics`` adds up every worker's counts.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from gunicorn.glogging import Logger

from helpline.logs import scrub

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "8"))
timeout = 30  # a worker silent this long is restarted
graceful_timeout = 10
keepalive = 5
limit_request_line = 4094
limit_request_fields = 100
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
logger_class = "helpline.gunicorn_conf.MaskingLogger"


class MaskingLogger(Logger):
    """Gunicorn's logger, with phone numbers masked in every access-log field and the query string dropped."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        path = scrub(str(atoms.get("U", "-")))
        atoms.update(U=path, q="-", r=f"{atoms.get('m', '-')} {path} {atoms.get('H', '-')}", f="-")
        for key, value in atoms.items():
            if isinstance(value, str) and key not in ("U", "r"):
                atoms[key] = scrub(value)
        return atoms

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if os.environ.get("LOG_FORMAT", "text").strip().lower() != "json":
            super().access(resp, req, environ, request_time)
            return
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        self.access_log.info(json.dumps({
            "ts": atoms.get("t", "").strip("[]"), "level": "INFO", "logger": "gunicorn.access",
            "remote": atoms.get("h"), "method": atoms.get("m"), "path": atoms.get("U"),
            "status": atoms.get("s"), "bytes": atoms.get("B"), "ms": atoms.get("M")}))


def on_starting(server: Any) -> None:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:  # counts of an earlier run must not add up with this one's
        shutil.rmtree(folder, ignore_errors=True)
        Path(folder).mkdir(parents=True, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
