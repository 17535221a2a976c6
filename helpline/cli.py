"""The ``helpline`` command: serve, worker, demo, chat, flows check/test, crisis check, callbacks, outbox."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import click

from helpline.config import PROJECT_DIR, Settings, load_settings
from helpline.errors import ContentError, HelplineError
from helpline.rostercli import roster as roster_group


def _settings() -> Settings:
    try:
        return load_settings()
    except HelplineError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
def main() -> None:
    """An SMS and voice helpline for addiction treatment."""


# -- running it -------------------------------------------------------------------------------------------------
def _redis_env(settings: Settings) -> tuple[dict[str, str], Any]:
    """Environment for child processes, starting the embedded Redis when REDIS_URL is not set."""
    from helpline.redisdb import ensure_url

    try:
        url, started = ensure_url(settings.redis_url, settings.data_dir)
    except HelplineError as exc:
        raise click.ClickException(str(exc)) from None
    env = dict(os.environ, REDIS_URL=url, HELPLINE_DATA_DIR=str(settings.data_dir.resolve()))
    return env, started


def _check_content(settings: Settings) -> None:
    from helpline.app import load_content

    try:
        load_content(settings)
    except ContentError as exc:
        raise click.ClickException(f"the flows are invalid, not starting:\n{exc}") from None


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for all).")
@click.option("--port", type=int, default=None, help="Port (default: PORT, else 5000).")
@click.option("--workers", type=int, default=2, show_default=True,
              help="Gunicorn worker processes (each with WEB_THREADS threads, default 8).")
def serve(host: str, port: int | None, workers: int) -> None:
    """Run the web app (the Twilio webhooks) under gunicorn."""
    settings = _settings()
    _check_content(settings)
    env, started = _redis_env(settings)
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
    finally:
        if started:
            started.stop()
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


@main.command()
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then stop.")
@click.option("--worker-class", type=click.Choice(["simple", "fork"]), default="simple", show_default=True,
              help="simple: jobs run in the worker process (lowest latency); fork: a fresh process per job.")
def worker(burst: bool, worker_class: str) -> None:
    """Run an RQ worker (with its scheduler and the watchdog) on the crisis, default and low queues."""
    settings = _settings()
    env, started = _redis_env(settings)
    from redis import Redis
    from rq import Queue, SimpleWorker, Worker

    from helpline import logs
    from helpline.app import QUEUE_NAMES
    from workers.watchdog import MAINTENANCE_SECONDS, Watchdog, beat

    logs.setup(settings.log_level)
    os.environ["REDIS_URL"] = env["REDIS_URL"]  # jobs read settings from the environment
    conn = Redis.from_url(env["REDIS_URL"])  # no short socket timeout: the worker blocks waiting for jobs
    queues = [Queue(name, connection=conn) for name in QUEUE_NAMES]
    cls = SimpleWorker if worker_class == "simple" else Worker
    rq_worker = cls(queues, connection=conn, maintenance_interval=MAINTENANCE_SECONDS)
    beat(conn, rq_worker.name)
    watchdog = Watchdog(Redis.from_url(env["REDIS_URL"], socket_timeout=5), rq_worker, queues)
    watchdog.start()
    replayer = _journal_replayer(settings, env["REDIS_URL"])
    try:
        rq_worker.work(burst=burst, with_scheduler=True, logging_level=settings.log_level)
    finally:
        watchdog.stop()
        if replayer is not None:
            replayer.stop()
        if started:
            started.stop()


def _journal_replayer(settings, redis_url: str):  # type: ignore[no-untyped-def]
    """The outage journal's replayer for a worker process (the web app starts its own): the worker shares the
    journal's folder (a volume in docker-compose), so a journal is replayed even while no webhook runs."""
    import dataclasses

    from helpline.app import create_app

    if not settings.journal_replay_seconds:
        return None
    app = create_app(dataclasses.replace(settings, redis_url=redis_url))
    return app.extensions.get("journal_replayer")


@main.command()
@click.option("--port", type=int, default=None, help="Web port (default: PORT, else 5000).")
def demo(port: int | None) -> None:
    """Start Redis, the web app and a worker together, for a first look; Ctrl-C stops everything."""
    settings = _settings()
    _check_content(settings)
    env, started = _redis_env(settings)
    port = port or settings.port
    base = f"http://127.0.0.1:{port}"
    demo_staff = ""
    if not settings.staff_alert_numbers:
        demo_staff = "+15555550142"  # a fictional 555-01xx number, so staff alerts show up in the outbox
        env["STAFF_ALERT_NUMBERS"] = demo_staff
    staff_note = _demo_staff_account(env["REDIS_URL"])
    _sigterm_interrupts()
    procs = [
        subprocess.Popen([sys.executable, "-m", "helpline.cli", "serve", "--port", str(port)], env=env),
        subprocess.Popen([sys.executable, "-m", "helpline.cli", "worker"], env=env),
    ]
    try:
        if not _wait_ready(base, procs):
            raise click.ClickException("the web app did not become ready; see the messages above")
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
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
        raise click.ClickException("a helpline process stopped unexpectedly; see the messages above")
    except KeyboardInterrupt:
        click.echo("\nstopping...", err=True)
    finally:
        _stop_all(procs)
        if started:
            started.stop()


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


@main.command()
@click.option("--url", default=None, help="The helpline's base URL (default: http://127.0.0.1:PORT).")
@click.option("--from", "from_", default="+15555550123", show_default=True, help="The phone number you text from.")
def chat(url: str | None, from_: str) -> None:
    """Text the running helpline from this terminal (signed, Twilio-shaped requests to POST /sms)."""
    from helpline.sim.chat import Texter

    settings = _settings()
    texter = Texter(url or f"http://127.0.0.1:{settings.port}", settings, from_)
    click.secho(f"Texting {texter.sms_url} as {from_}. Type a message; Ctrl-D to quit.", fg="green", err=True)
    while True:
        try:
            line = input("you> ")
        except (EOFError, KeyboardInterrupt):
            click.echo("", err=True)
            return
        try:
            replies = texter.send(line)
        except HelplineError as exc:
            click.secho(str(exc), fg="red", err=True)
            continue
        if not replies:
            click.secho("(no reply)", dim=True)
        for reply in replies:
            click.echo("\n".join("helpline> " + ln if i == 0 else "          " + ln
                                 for i, ln in enumerate(reply.splitlines() or [""])))


# -- content ----------------------------------------------------------------------------------------------------
@main.group()
def flows() -> None:
    """Check and test the conversation content in flows/."""


@flows.command("check")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
def flows_check(path: Path | None) -> None:
    """Validate a flow file, the crisis lexicon and transcripts (default: the whole flows/ folder)."""
    from helpline.sim.contentcheck import check

    settings = _settings()
    problems, checked = check(path or settings.flows_dir, settings)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) in {checked} file(s)")
    click.echo(f"ok: {checked} file(s) valid")


@flows.command("test")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
def flows_test(path: Path | None) -> None:
    """Play the conversation transcripts (default: flows/tests/) against the flows."""
    from helpline.app import load_content
    from helpline.sim import transcripts

    settings = _settings()
    try:
        flow, lexicon = load_content(settings)
        files = [path] if path and path.is_file() else transcripts.discover(path or settings.flows_dir / "tests")
        failed = 0
        for file in files:
            problems = transcripts.run(transcripts.load(file), flow, lexicon)
            failed += bool(problems)
            mark = click.style("FAIL", fg="red") if problems else click.style("ok  ", fg="green")
            click.echo(f"{mark} {file}")
            for problem in problems:
                click.echo(f"     {problem}")
    except ContentError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{len(files) - failed} passed, {failed} failed")
    if failed or not files:
        sys.exit(1)


# -- crisis -----------------------------------------------------------------------------------------------------
@main.group()
def crisis() -> None:
    """Try the crisis screen."""


def _lexicon(settings: Settings):  # type: ignore[no-untyped-def]
    from helpline.understanding.crisis import load_lexicon

    try:
        return load_lexicon(settings.flows_dir / "crisis.yaml", settings.variables)
    except ContentError as exc:
        raise click.ClickException(str(exc)) from None


@crisis.command("check")
def crisis_check() -> None:
    """Read messages, one a line, from stdin; write one JSON verdict a line (text, crisis, category, severity,
    matches, and what was set aside and why)."""
    from helpline.understanding.crisis.stream import check_stream

    check_stream(_lexicon(_settings()), sys.stdin, sys.stdout)


# -- the queue and the outbox -----------------------------------------------------------------------------------
@main.group()
def callbacks() -> None:
    """The callback queue."""


@callbacks.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per request.")
@click.option("--reveal", is_flag=True, help="Show full phone numbers (they are masked by default).")
def callbacks_list(as_json: bool, reveal: bool) -> None:
    """Open callback requests in the order staff should work them (crisis first, then oldest first)."""
    from helpline.logs import mask
    from helpline.queue import callbacks as cb
    from helpline.redisdb import connect

    settings = _settings()
    env, started = _redis_env(settings)
    try:
        conn = connect(env["REDIS_URL"])
        rows = cb.open_requests(conn) + cb.claimed_requests(conn)
    finally:
        if started:
            started.stop()
    now = time.time()
    for row in rows:
        row["number"] = row["number"] if reveal else mask(row["number"])
        if as_json:
            keep = ("id", "number", "priority", "reason", "status", "channel", "lang", "created", "due", "claimed_by",
                    "call_only", "requests", "attempts", "topics", "gathered")
            click.echo(json.dumps({k: row.get(k) for k in keep}))
            continue
        created = time.strftime("%Y-%m-%d %H:%M", time.localtime(row["created"]))
        left = row["due"] - now
        due = f"overdue {_span(-left)}" if left < 0 else f"due in {_span(left)}"
        holder = f" ({row['claimed_by']})" if row.get("claimed_by") else ""
        flag = "  CALL ONLY" if row["call_only"] else ""
        click.echo(f"{row['id']}  {row['priority']:<8} {row['status'] + holder:<16} {row['number']:<14} "
                   f"{created}  {due:<16} {row['reason']}{flag}")
    if not rows and not as_json:
        click.echo("no open callback requests")


def _span(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes}m"
    if minutes < 48 * 60:
        return f"{minutes // 60}h{minutes % 60:02d}m"
    return f"{minutes // 1440}d"


@main.command()
@click.option("--limit", default=20, show_default=True)
def outbox(limit: int) -> None:
    """Texts that would have gone out through Twilio (local mode, no credentials)."""
    from helpline.logs import mask
    from helpline.queue.outbound import outbox as read_outbox
    from helpline.redisdb import connect

    settings = _settings()
    env, started = _redis_env(settings)
    try:
        for entry in read_outbox(connect(env["REDIS_URL"]), limit):
            at = time.strftime("%H:%M:%S", time.localtime(float(entry["at"])))  # type: ignore[arg-type]
            click.echo(f"{at} to {mask(str(entry['to']))} [{entry['kind']}]: {entry['body']}")
    finally:
        if started:
            started.stop()


def new_message_sid() -> str:
    return "SM" + secrets.token_hex(16)


# -- call (voice) -------------------------------------------------------------------------------------------------
@main.command()
@click.option("--url", default=None, help="The helpline's base URL (default: http://127.0.0.1:PORT).")
@click.option("--from", "from_", default="+15555550123", show_default=True, help="The phone number you call from.")
@click.option("--speak/--no-speak", default=True, help="Read prompts aloud with espeak-ng when it is installed.")
def call(url: str | None, from_: str, speak: bool) -> None:
    """Call the running helpline from this terminal: its TwiML is followed, prompts printed, keys or words typed."""
    from helpline.sim.call import Caller, dial_target, speaker

    settings = _settings()
    caller = Caller(url or f"http://127.0.0.1:{settings.port}", settings, from_, strict=False)
    voice = speaker() if speak else None
    click.secho(f"Calling {caller.base_url}/voice as {from_}. Type keys (1, 0, *, #) or words; Enter alone is "
                f"silence; Ctrl-D hangs up.", fg="green", err=True)

    def show(lines: list[str]) -> None:
        for line in lines:
            click.echo(f"helpline> {line}")
            if voice:
                voice(line)
        for problem in caller.problems:
            click.secho(f"(TwiML problem: {problem})", fg="red", err=True)
        caller.problems.clear()

    try:
        show(caller.dial())
        while not caller.ended:
            waiting = caller.waiting
            if waiting is not None and waiting.tag == "Dial":
                status = click.prompt(f"[ringing {dial_target(waiting)}] how does it end",
                                      type=click.Choice(["completed", "no-answer", "busy", "failed"]),
                                      default="no-answer", err=True)
                show(caller.dial_result(status))
            elif waiting is not None and waiting.tag == "Record":
                show(caller.leave_message(input("[beep] your message> ")))
            else:
                text = input("you> ").strip()
                if not text:
                    show(caller.silence())
                elif all(ch in "0123456789*#" for ch in text):
                    show(caller.press(text))
                else:
                    show(caller.say(text))
        click.secho("(the helpline hung up)", dim=True, err=True)
        caller.hang_up()
    except (EOFError, KeyboardInterrupt):
        click.echo("", err=True)
        if not caller.ended:
            caller.hang_up()
    except HelplineError as exc:
        raise click.ClickException(str(exc)) from None


# -- staff accounts ---------------------------------------------------------------------------------------------
@main.group()
def staff() -> None:
    """Staff accounts for the queue page (/staff) and the JSON API (/api/)."""


def _staff_conn():  # type: ignore[no-untyped-def]
    from helpline.redisdb import connect

    settings = _settings()
    env, started = _redis_env(settings)
    return settings, connect(env["REDIS_URL"]), started


def _read_password(name: str) -> str:
    """From a prompt (typed twice, hidden) at a terminal; otherwise the first line of stdin."""
    if sys.stdin.isatty():
        return click.prompt(f"Password for {name}", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@staff.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["staff", "supervisor"]), default="staff", show_default=True)
@click.option("--phone", default="", help="The staff member's own phone, rung by click-to-call (E.164 or national).")
def staff_add(name: str, role: str, phone: str) -> None:
    """Make an account; the password is asked for (or read from the first line of stdin)."""
    import phonenumbers

    from helpline.staff import accounts

    settings, conn, started = _staff_conn()
    try:
        if phone:
            try:
                parsed = phonenumbers.parse(phone, settings.default_region)
            except phonenumbers.NumberParseException:
                parsed = None
            if parsed is None or not phonenumbers.is_possible_number(parsed):
                raise click.ClickException(f"--phone: {phone!r} is not a phone number")
            phone = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        if accounts.get(conn, name) is not None:
            raise click.ClickException(f"there is already an account called {accounts.normalise_name(name)!r}")
        try:
            account = accounts.add(conn, name, _read_password(name), role, phone)
        except accounts.AccountError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"added {account.name} ({account.role.value})")
    finally:
        if started:
            started.stop()


@staff.command("list")
def staff_list() -> None:
    """Every account: name, role, phone (masked), and whether it is locked after failed logins."""
    from helpline.logs import mask
    from helpline.staff import accounts

    _, conn, started = _staff_conn()
    try:
        rows = accounts.all_accounts(conn)
        for account in rows:
            locked = accounts.locked_for(conn, account.name)
            lock = f"  LOCKED for {locked // 60 + 1} min" if locked else ""
            click.echo(f"{account.name:<20} {account.role.value:<11} {mask(account.phone) if account.phone else '-'}"
                       f"{lock}")
        if not rows:
            click.echo("no staff accounts: add one with `helpline staff add NAME`")
    finally:
        if started:
            started.stop()


@staff.command("remove")
@click.argument("name")
def staff_remove(name: str) -> None:
    """Delete an account; its sessions end at once."""
    from helpline.staff import accounts

    _, conn, started = _staff_conn()
    try:
        if not accounts.remove(conn, name):
            raise click.ClickException(f"no account called {accounts.normalise_name(name)!r}")
        click.echo(f"removed {accounts.normalise_name(name)}")
    finally:
        if started:
            started.stop()


@staff.command("passwd")
@click.argument("name")
def staff_passwd(name: str) -> None:
    """Set a new password (asked for, or read from stdin); ends the account's sessions and lifts a lock."""
    from helpline.staff import accounts

    _, conn, started = _staff_conn()
    try:
        accounts.set_password(conn, name, _read_password(name))
        click.echo(f"password changed for {accounts.normalise_name(name)}")
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        if started:
            started.stop()


main.add_command(roster_group, "roster")

from helpline.cli_twilio import twilio  # noqa: E402 - its own module, on the same command

main.add_command(twilio)

from helpline import cli_understanding  # noqa: E402,F401 - registers `flows eval` and `crisis eval`

if __name__ == "__main__":
    main()
