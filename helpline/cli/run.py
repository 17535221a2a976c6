"""Running the helpline: ``helpline serve``, ``helpline worker`` and ``helpline demo`` (both together)."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time

import click

from helpline.cli.common import local_redis, read_content, read_settings
from helpline.config import PROJECT_DIR, Settings


def _child_env(settings: Settings, redis_url: str) -> dict[str, str]:
    """The environment for the helpline's child processes: the same Redis and data folder as this one."""
    return dict(os.environ, REDIS_URL=redis_url, HELPLINE_DATA_DIR=str(settings.data_dir.resolve()))


def _check_content(settings: Settings) -> None:
    read_content(settings, failing="the flows are invalid, not starting:\n")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for all).")
@click.option("--port", type=int, default=None, help="Port (default: PORT, else 5000).")
@click.option("--workers", type=int, default=2, show_default=True,
              help="Gunicorn worker processes (each with WEB_THREADS threads, default 8).")
def serve(host: str, port: int | None, workers: int) -> None:
    """Run the web app (the Twilio webhooks) under gunicorn."""
    settings = read_settings()
    _check_content(settings)
    with local_redis(settings) as redis_url:
        env = _child_env(settings, redis_url)
        port = port or settings.port
        # Threaded workers with timeouts and a masking access log (helpline/gunicorn_conf.py): slow clients hold a
        # thread each, not the server, and the log holds no numbers.
        cmd = [sys.executable, "-m", "gunicorn", "--config", "python:helpline.gunicorn_conf", "helpline.wsgi:app",
               "--bind", f"{host}:{port}", "--workers", str(workers)]
        env.setdefault("PROMETHEUS_MULTIPROC_DIR", str((settings.data_dir / "metrics" / str(port)).resolve()))
        click.echo(f"helpline: serving on http://{host}:{port} (Ctrl-C to stop)", err=True)
        _sigterm_interrupts()
        proc = subprocess.Popen(cmd, env=env)
        try:
            code = proc.wait()
        except KeyboardInterrupt:
            _stop_all([proc])
            code = 0
    sys.exit(code)


def _sigterm_interrupts() -> None:
    """Treat SIGTERM (docker stop, systemd, timeout) like Ctrl-C, so children and Redis are stopped cleanly."""
    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def _stop_all(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


@click.command()
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then stop.")
@click.option("--worker-class", type=click.Choice(["simple", "fork"]), default="simple", show_default=True,
              help="simple: jobs run in the worker process (lowest latency); fork: a fresh process per job.")
def worker(burst: bool, worker_class: str) -> None:
    """Run an RQ worker (with its scheduler and the watchdog) on the crisis, default and low queues."""
    settings = read_settings()
    with local_redis(settings) as redis_url:
        from redis import Redis
        from rq import Queue, SimpleWorker, Worker

        from helpline import logs
        from helpline.context import QUEUE_NAMES
        from workers.watchdog import MAINTENANCE_SECONDS, Watchdog, beat

        logs.setup(settings.log_level)
        os.environ["REDIS_URL"] = redis_url  # jobs read settings from the environment
        conn = Redis.from_url(redis_url)  # no short socket timeout: the worker blocks waiting for jobs
        queues = [Queue(name, connection=conn) for name in QUEUE_NAMES]
        cls = SimpleWorker if worker_class == "simple" else Worker
        rq_worker = cls(queues, connection=conn, maintenance_interval=MAINTENANCE_SECONDS)
        beat(conn, rq_worker.name)
        watchdog = Watchdog(Redis.from_url(redis_url, socket_timeout=5), rq_worker, queues)
        watchdog.start()
        replayer = _journal_replayer(settings, redis_url)
        try:
            rq_worker.work(burst=burst, with_scheduler=True, logging_level=settings.log_level)
        finally:
            watchdog.stop()
            if replayer is not None:
                replayer.stop()


def _journal_replayer(settings, redis_url: str):  # type: ignore[no-untyped-def]
    """The outage journal's replayer for a worker process (the web app starts its own): the worker shares the
    journal's folder (a volume in docker-compose), so a journal is replayed even while no webhook runs."""
    from helpline.app import create_app

    if not settings.journal_replay_seconds:
        return None
    app = create_app(settings.model_copy(update={"redis_url": redis_url}))
    return app.extensions.get("journal_replayer")


@click.command()
@click.option("--port", type=int, default=None, help="Web port (default: PORT, else 5000).")
def demo(port: int | None) -> None:
    """Start Redis, the web app and a worker together, for a first look; Ctrl-C stops everything."""
    settings = read_settings()
    _check_content(settings)
    with local_redis(settings) as redis_url:
        env = _child_env(settings, redis_url)
        port = port or settings.port
        base = f"http://127.0.0.1:{port}"
        demo_staff = ""
        if not settings.staff_alert_numbers:
            demo_staff = "+15555550142"  # a fictional 555-01xx number, so staff alerts show up in the outbox
            env["STAFF_ALERT_NUMBERS"] = demo_staff
        staff_note = _demo_staff_account(redis_url)
        _sigterm_interrupts()
        procs = [
            subprocess.Popen([sys.executable, "-m", "helpline.cli", "serve", "--port", str(port)], env=env),
            subprocess.Popen([sys.executable, "-m", "helpline.cli", "worker"], env=env),
        ]
        try:
            if not _wait_ready(base, procs):
                raise click.ClickException("the web app did not become ready; see the messages above")
            _demo_banner(settings, base, staff_note, demo_staff)
            while all(p.poll() is None for p in procs):
                time.sleep(0.5)
            raise click.ClickException("a helpline process stopped unexpectedly; see the messages above")
        except KeyboardInterrupt:
            click.echo("\nstopping...", err=True)
        finally:
            _stop_all(procs)


def _demo_banner(settings: Settings, base: str, staff_note: str, demo_staff: str) -> None:
    alerts_note = (f" Staff alerts go to the demo number {demo_staff} (set STAFF_ALERT_NUMBERS)."
                   if demo_staff else "")
    chat_cmd = "make chat" if (PROJECT_DIR / "Makefile").exists() else "helpline chat"
    click.secho(f"""
The helpline is running at {base} with Redis (data in {settings.data_dir}/redis) and a worker.

  Text it from another terminal:   {chat_cmd}
     try: "hi", "how long does withdrawal last", "is kratom safe", "call me", "STOP"
  Call it from another terminal:   .venv/bin/helpline call
  The staff queue page:            {base}/staff  {staff_note}
  See the callback queue:          .venv/bin/helpline callbacks list
  See texts that would have gone to staff phones:  .venv/bin/helpline outbox

No Twilio account is needed: outbound texts go to the local outbox.{alerts_note}
Press Ctrl-C to stop everything.
""", fg="green", err=True)


def _demo_staff_account(redis_url: str) -> str:
    """A supervisor account for the demo when there is no account yet; returns how to log in."""
    from helpline.redisdb import connect
    from helpline.staff import accounts

    conn = connect(redis_url)
    if accounts.all_accounts(conn):
        return "(log in with your staff account)"
    password = secrets.token_urlsafe(9)
    accounts.add(conn, "demo", password, "supervisor")
    return f"(made for this demo: log in as 'demo', password '{password}')"


def _wait_ready(base: str, procs: list[subprocess.Popen[bytes]], timeout: float = 30) -> bool:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            return False
        try:
            if requests.get(base + "/readyz", timeout=1).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.3)
    return False
