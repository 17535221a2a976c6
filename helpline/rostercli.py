"""``helpline roster list|add|remove``: the on-call roster from the terminal (the same as the /staff/roster page)."""

from __future__ import annotations

import click

from helpline.logs import mask


@click.group()
def roster() -> None:
    """The on-call roster: weekly shifts per staff account, in TIMEZONE."""


def _conn():  # type: ignore[no-untyped-def]
    from helpline.cli import _staff_conn

    return _staff_conn()


@roster.command("list")
def roster_list() -> None:
    """Every shift, who is on shift now, and where an alert would go now."""
    from helpline.staff import roster as model

    settings, conn, started = _conn()
    try:
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
    finally:
        if started:
            started.stop()


@roster.command("add")
@click.argument("name")
@click.argument("when", nargs=-1, required=True)
def roster_add(name: str, when: tuple[str, ...]) -> None:
    """Add a weekly shift: NAME 'mon-fri 08:00-16:00' (an end before the start runs past midnight)."""
    from helpline.queue import callbacks
    from helpline.staff import roster as model

    _, conn, started = _conn()
    try:
        shift = model.add(conn, name, " ".join(when))
        callbacks.add_audit_event(conn, "cli", "roster: shift added", f"{shift.who} {shift.describe()}")
        click.echo(f"added {shift.id}: {shift.who} {shift.describe()}")
    except model.RosterError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        if started:
            started.stop()


@roster.command("remove")
@click.argument("shift_id")
def roster_remove(shift_id: str) -> None:
    """Remove a shift by its id (from `helpline roster list`)."""
    from helpline.queue import callbacks
    from helpline.staff import roster as model

    _, conn, started = _conn()
    try:
        found = {s.id: s for s in model.shifts(conn)}.get(shift_id)
        if found is None or not model.remove(conn, shift_id):
            raise click.ClickException(f"no shift {shift_id!r} (see `helpline roster list`)")
        callbacks.add_audit_event(conn, "cli", "roster: shift removed", f"{found.who} {found.describe()}")
        click.echo(f"removed {shift_id}")
    finally:
        if started:
            started.stop()
