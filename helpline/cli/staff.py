"""For whoever runs the staff side: ``helpline staff add|list|remove|passwd`` (the accounts for /staff and /api/) and
``helpline roster list|add|remove`` (the on-call roster, the same as the /staff/roster page)."""

from __future__ import annotations

import sys

import click

from helpline.cli.common import local_redis, read_settings
from helpline.logs import mask


@click.group()
def staff() -> None:
    """Staff accounts for the queue page (/staff) and the JSON API (/api/)."""


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
    from helpline.phones import e164
    from helpline.redisdb import connect
    from helpline.staff import accounts

    settings = read_settings()
    number = e164(phone, settings.default_region) if phone else ""
    if number is None:
        raise click.ClickException(f"--phone: {phone!r} is not a phone number")
    with local_redis(settings) as redis_url:
        conn = connect(redis_url)
        if accounts.get(conn, name) is not None:
            raise click.ClickException(f"there is already an account called {accounts.normalise_name(name)!r}")
        try:
            account = accounts.add(conn, name, _read_password(name), role, number)
        except accounts.AccountError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"added {account.name} ({account.role.value})")


@staff.command("list")
def staff_list() -> None:
    """Every account: name, role, phone (masked), and whether it is locked after failed logins."""
    from helpline.redisdb import connect
    from helpline.staff import accounts

    with local_redis(read_settings()) as redis_url:
        conn = connect(redis_url)
        rows = accounts.all_accounts(conn)
        for account in rows:
            locked = accounts.locked_for(conn, account.name)
            lock = f"  LOCKED for {locked // 60 + 1} min" if locked else ""
            click.echo(f"{account.name:<20} {account.role.value:<11} {mask(account.phone) if account.phone else '-'}"
                       f"{lock}")
        if not rows:
            click.echo("no staff accounts: add one with `helpline staff add NAME`")


@staff.command("remove")
@click.argument("name")
def staff_remove(name: str) -> None:
    """Delete an account; its sessions end at once."""
    from helpline.redisdb import connect
    from helpline.staff import accounts

    with local_redis(read_settings()) as redis_url:
        if not accounts.remove(connect(redis_url), name):
            raise click.ClickException(f"no account called {accounts.normalise_name(name)!r}")
        click.echo(f"removed {accounts.normalise_name(name)}")


@staff.command("passwd")
@click.argument("name")
def staff_passwd(name: str) -> None:
    """Set a new password (asked for, or read from stdin); ends the account's sessions and lifts a lock."""
    from helpline.redisdb import connect
    from helpline.staff import accounts

    with local_redis(read_settings()) as redis_url:
        try:
            accounts.set_password(connect(redis_url), name, _read_password(name))
        except accounts.AccountError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"password changed for {accounts.normalise_name(name)}")


@click.group()
def roster() -> None:
    """The on-call roster: weekly shifts per staff account, in TIMEZONE."""


@roster.command("list")
def roster_list() -> None:
    """Every shift, who is on shift now, and where an alert would go now."""
    from helpline.redisdb import connect
    from helpline.staff import roster as model

    settings = read_settings()
    with local_redis(settings) as redis_url:
        conn = connect(redis_url)
        shifts = model.shifts(conn)
        for shift in shifts:
            click.echo(f"{shift.id}  {shift.who:<20} {shift.describe()}")
        if not shifts:
            click.echo("no shifts: alerts go to STAFF_ALERT_NUMBERS (add one with `helpline roster add NAME "
                       "'mon-fri 08:00-16:00'`)")
        on = model.on_shift(conn, settings)
        now = model.local_now(settings).strftime("%a %H:%M")
        click.echo(f"on shift now ({now} {settings.timezone}): {', '.join(a.name for a in on) or 'nobody'}")
        for priority in ("routine", "crisis"):
            found = model.alert_recipients(conn, settings, priority)
            click.echo(f"a {priority} alert now goes to: {', '.join(mask(n) for n in found.numbers) or 'nobody'} "
                       f"({found.why})")


@roster.command("add")
@click.argument("name")
@click.argument("when", nargs=-1, required=True)
def roster_add(name: str, when: tuple[str, ...]) -> None:
    """Add a weekly shift: NAME 'mon-fri 08:00-16:00' (an end before the start runs past midnight)."""
    from helpline.queue import callbacks
    from helpline.redisdb import connect
    from helpline.staff import roster as model

    with local_redis(read_settings()) as redis_url:
        conn = connect(redis_url)
        try:
            shift = model.add(conn, name, " ".join(when))
        except model.RosterError as exc:
            raise click.ClickException(str(exc)) from None
        callbacks.add_audit_event(conn, "cli", "roster: shift added", f"{shift.who} {shift.describe()}")
        click.echo(f"added {shift.id}: {shift.who} {shift.describe()}")


@roster.command("remove")
@click.argument("shift_id")
def roster_remove(shift_id: str) -> None:
    """Remove a shift by its id (from `helpline roster list`)."""
    from helpline.queue import callbacks
    from helpline.redisdb import connect
    from helpline.staff import roster as model

    with local_redis(read_settings()) as redis_url:
        conn = connect(redis_url)
        found = {s.id: s for s in model.shifts(conn)}.get(shift_id)
        if found is None or not model.remove(conn, shift_id):
            raise click.ClickException(f"no shift {shift_id!r} (see `helpline roster list`)")
        callbacks.add_audit_event(conn, "cli", "roster: shift removed", f"{found.who} {found.describe()}")
        click.echo(f"removed {shift_id}")
