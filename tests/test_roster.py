"""The on-call roster: shifts read and matched in TIMEZONE (overnight ones too), alerts to whoever is on shift
(fallback, supervisors for a crisis outside every shift), the supervisors' page and `helpline roster`."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from click.testing import CliRunner

from helpline.cli import main
from helpline.staff import accounts, roster
from tests.conftest import STAFF, STAFF_PASSWORD, csrf_token_in, make_settings

ANA, BO, SAM = "+15555550161", "+15555550162", "+15555550163"


def at(settings, day: int, hhmm: str) -> float:  # type: ignore[no-untyped-def]
    """A timestamp on weekday ``day`` (0 = Monday, the week of 2026-03-02) at ``hhmm`` in TIMEZONE."""
    hour, minute = (int(x) for x in hhmm.split(":"))
    return dt.datetime(2026, 3, 2 + day, hour, minute, tzinfo=settings.hours.zone).timestamp()


@pytest.fixture
def people(conn):  # type: ignore[no-untyped-def]
    for name, role, phone in (("ana", "staff", ANA), ("bo", "staff", BO), ("sam", "supervisor", SAM),
                              ("nophone", "staff", "")):
        if accounts.get(conn, name) is None:
            accounts.add(conn, name, STAFF_PASSWORD, role, phone)


@pytest.mark.parametrize("spec, days, start, end", [
    ("mon-fri 08:00-16:00", (0, 1, 2, 3, 4), "08:00", "16:00"),
    ("sat,sun 22:00-06:00", (5, 6), "22:00", "06:00"),
    ("fri-mon 9:00-17:30", (0, 4, 5, 6), "09:00", "17:30"),
    ("Wed 00:00-24:00", (2,), "00:00", "24:00"),
    ("mon-tue,thu 07:00-15:00", (0, 1, 3), "07:00", "15:00"),
])
def test_shifts_are_read(spec, days, start, end) -> None:  # type: ignore[no-untyped-def]
    assert roster.parse(spec) == (days, start, end)


@pytest.mark.parametrize("spec, words", [("mun 08:00-16:00", "not a day"), ("mon 8-16", "write it like"),
                                         ("mon 25:00-26:00", "not a time"), ("mon 08:00-08:00", "same time")])
def test_bad_shifts_say_why(spec, words) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(roster.RosterError, match=words):
        roster.parse(spec)


def test_an_overnight_shift_covers_its_night_and_the_next_morning(settings, conn, people) -> None:  # type: ignore[no-untyped-def]
    roster.add(conn, "ana", "sat 22:00-06:00")
    names = {t: [a.name for a in roster.on_shift(conn, settings, at(settings, *t))]
             for t in [(5, "21:59"), (5, "22:00"), (6, "05:59"), (6, "06:00"), (0, "01:00")]}
    assert names == {(5, "21:59"): [], (5, "22:00"): ["ana"], (6, "05:59"): ["ana"], (6, "06:00"): [],
                     (0, "01:00"): []}


def test_shifts_are_in_the_helplines_time_zone(tmp_path, redis_url, conn, people) -> None:  # type: ignore[no-untyped-def]
    la = make_settings(tmp_path, redis_url, TIMEZONE="America/Los_Angeles")
    roster.add(conn, "ana", "mon 08:00-09:00")
    eight_in_la = dt.datetime(2026, 3, 2, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=-8))).timestamp()
    assert [a.name for a in roster.on_shift(conn, la, eight_in_la)] == ["ana"]
    assert roster.on_shift(conn, la, eight_in_la - 3 * 3600) == []  # 08:30 in New York is 05:30 in LA


def test_alerts_go_to_whoever_is_on_shift_with_the_fallback_and_supervisors(tmp_path, redis_url, conn,
                                                                          people) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, redis_url, SUPERVISOR_ALERT_NUMBERS="+15555550170")
    monday_9, monday_23 = at(settings, 0, "09:00"), at(settings, 0, "23:00")
    # no roster at all: as before the roster, STAFF_ALERT_NUMBERS only, crisis too
    assert roster.alert_recipients(conn, settings, "crisis", now=monday_9).numbers == [STAFF]
    roster.add(conn, "ana", "mon-fri 08:00-16:00")
    roster.add(conn, "bo", "mon 08:00-12:00")
    roster.add(conn, "nophone", "mon 08:00-23:59")
    on_shift = roster.alert_recipients(conn, settings, "routine", now=monday_9)
    assert on_shift.numbers == [ANA, BO] and "ana, bo" in on_shift.why
    assert roster.alert_recipients(conn, settings, "crisis", now=monday_9).numbers == [ANA, BO]
    # outside every shift with a phone: the fallback; a crisis also reaches the supervisors (accounts and list)
    assert roster.alert_recipients(conn, settings, "urgent", now=monday_23).numbers == [STAFF]
    assert roster.alert_recipients(conn, settings, "crisis", now=monday_23).numbers == [STAFF, SAM, "+15555550170"]
    escalated = roster.alert_recipients(conn, settings, "routine", escalate=True, now=monday_9)
    assert escalated.numbers == [ANA, BO, SAM, "+15555550170"]


def test_a_shift_needs_an_account(conn) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(roster.RosterError, match="no account called 'zoe'"):
        roster.add(conn, "zoe", "mon 08:00-16:00")


def test_supervisors_edit_the_roster_on_its_page(app, conn, people, supervisor) -> None:  # type: ignore[no-untyped-def]
    page = supervisor.page("/staff/roster")
    assert "Nobody is on shift" in page or "On shift" in page
    response = supervisor.client.post("/staff/roster", data={
        "csrf_token": csrf_token_in(page), "who": "ana", "days": ["mon", "tue", "wed"], "start": "22:00",
        "end": "06:00"})
    assert response.status_code == 302
    [shift] = roster.shifts(conn)
    assert (shift.who, shift.days, shift.start, shift.end) == ("ana", (0, 1, 2), "22:00", "06:00")
    page = supervisor.page("/staff/roster")
    assert "Added ana: mon-wed 22:00-06:00" in page and "(to next day)" in page
    bad = supervisor.client.post("/staff/roster", data={"csrf_token": csrf_token_in(page), "who": "ana",
                                                        "start": "08:00", "end": "09:00"})
    assert bad.status_code == 302 and "tick at least one day" in supervisor.page("/staff/roster")
    assert supervisor.client.post(f"/staff/roster/{shift.id}/remove", data={}).status_code == 400  # CSRF
    removed = supervisor.client.post(f"/staff/roster/{shift.id}/remove",
                                     data={"csrf_token": csrf_token_in(supervisor.page("/staff/roster"))})
    assert removed.status_code == 302 and roster.shifts(conn) == []
    audit = supervisor.page("/staff/audit")
    assert "roster: shift added" in audit and "roster: shift removed" in audit


def test_staff_cannot_edit_the_roster(staff_member) -> None:  # type: ignore[no-untyped-def]
    assert staff_member.client.get("/staff/roster").status_code == 403


def test_helpline_roster_list_add_remove(settings, conn, people, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("REDIS_URL", settings.redis_url)
    monkeypatch.setenv("HELPLINE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("STAFF_ALERT_NUMBERS", STAFF)
    runner = CliRunner()
    added = runner.invoke(main, ["roster", "add", "bo", "sat-sun", "09:00-17:00"])
    assert added.exit_code == 0, added.output
    shift_id = re.search(r"added (sh_\w+)", added.output).group(1)
    listed = runner.invoke(main, ["roster", "list"])
    assert listed.exit_code == 0 and f"{shift_id}  bo" in listed.output and "sat,sun 09:00-17:00" in listed.output
    assert "alert now goes to" in listed.output and "5555550162" not in listed.output  # numbers masked
    assert runner.invoke(main, ["roster", "add", "zoe", "mon 08:00-09:00"]).exit_code != 0
    assert runner.invoke(main, ["roster", "remove", shift_id]).exit_code == 0
    assert roster.shifts(conn) == []
    missing = runner.invoke(main, ["roster", "remove", shift_id])
    assert missing.exit_code != 0 and "no shift" in missing.output
