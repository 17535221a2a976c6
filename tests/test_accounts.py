"""Staff accounts on a real Redis: hashes, roles, sessions, slowed and locked logins, and the `helpline staff` CLI."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from helpline.cli import main
from helpline.config import Settings, load_settings
from helpline.errors import SettingsError
from helpline.staff import accounts
from helpline.staff.accounts import LoginRefused, Role
from tests.conftest import STAFF_PASSWORD, settings_env


def test_the_password_is_kept_only_as_a_slow_salted_hash(conn) -> None:  # type: ignore[no-untyped-def]
    accounts.add(conn, "Ana", STAFF_PASSWORD, "supervisor", "+15555550142")
    stored = conn.hget("hl:staff:ana", "password").decode()
    assert STAFF_PASSWORD not in stored and stored.startswith("scrypt:")
    account = accounts.get(conn, "ANA")
    assert account == accounts.Account("ana", Role.SUPERVISOR, "+15555550142", account.created)
    assert account.supervisor


@pytest.mark.parametrize(("name", "password", "role", "message"), [
    ("ana smith", STAFF_PASSWORD, "staff", "a name is 1-32 lowercase letters"),
    ("", STAFF_PASSWORD, "staff", "a name is"),
    ("ana", "short", "staff", "at least 10 characters"),
    ("ana", STAFF_PASSWORD, "admin", "role must be one of: staff, supervisor"),
])
def test_bad_accounts_are_refused_with_a_reason(conn, name, password, role, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(accounts.AccountError, match=message):
        accounts.add(conn, name, password, role)


def test_a_name_is_taken_once(conn) -> None:  # type: ignore[no-untyped-def]
    accounts.add(conn, "ana", STAFF_PASSWORD)
    with pytest.raises(accounts.AccountError, match="already an account"):
        accounts.add(conn, "ANA", "another password 123")
    assert accounts.check_login(conn, "ana", STAFF_PASSWORD, _settings(conn)).name == "ana"


def _settings(conn, **overrides):  # type: ignore[no-untyped-def]
    return Settings(**overrides)


def test_staff_settings_are_checked_at_start(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings({"HELPLINE_DATA_DIR": str(tmp_path), "STAFF_SESSION_HOURS": "8",
                              "LOGIN_MAX_FAILURES": "3", "LOGIN_LOCK_MINUTES": "30", "STAFF_POLL_SECONDS": "2"},
                             environ={}, dotenv=None)
    assert (settings.staff_session_hours, settings.login_max_failures, settings.login_lock_minutes,
            settings.staff_poll_seconds) == (8, 3, 30, 2)
    with pytest.raises(SettingsError) as bad:
        load_settings({"HELPLINE_DATA_DIR": str(tmp_path), "LOGIN_MAX_FAILURES": "0",
                       "STAFF_POLL_SECONDS": "often"}, environ={}, dotenv=None)
    assert "LOGIN_MAX_FAILURES: '0' is not a whole number from 1 to 10000" in str(bad.value)
    assert "STAFF_POLL_SECONDS: 'often'" in str(bad.value)


def test_failed_logins_are_slowed_then_locked_and_a_success_clears_them(conn) -> None:  # type: ignore[no-untyped-def]
    settings = _settings(conn, login_max_failures=5, login_lock_minutes=15)
    accounts.add(conn, "ana", STAFF_PASSWORD)
    for _ in range(2):  # two typos are free
        with pytest.raises(LoginRefused) as refused:
            accounts.check_login(conn, "ana", "wrong", settings)
        assert refused.value.wait == 0 and not refused.value.locked
    assert accounts.check_login(conn, "ana", STAFF_PASSWORD, settings).name == "ana"  # clears the count
    for _ in range(2):
        with pytest.raises(LoginRefused):
            accounts.check_login(conn, "ana", "wrong", settings)
    with pytest.raises(LoginRefused, match="Wait 2 seconds") as refused:
        accounts.check_login(conn, "ana", "wrong", settings)
    assert refused.value.wait == 2
    # while waiting, even the right password is not looked at
    with pytest.raises(LoginRefused, match="wait 2 seconds"):
        accounts.check_login(conn, "ana", STAFF_PASSWORD, settings)
    conn.delete(accounts.login_keys("ana", "")[1])
    with pytest.raises(LoginRefused, match="Wait 4 seconds"):
        accounts.check_login(conn, "ana", "wrong", settings)
    conn.delete(accounts.login_keys("ana", "")[1])
    with pytest.raises(LoginRefused, match="locked for 15 minutes") as refused:
        accounts.check_login(conn, "ana", "wrong", settings)
    assert refused.value.locked
    with pytest.raises(LoginRefused, match="locked"):
        accounts.check_login(conn, "ana", STAFF_PASSWORD, settings)
    assert 0 < accounts.locked_for(conn, "ana") <= 900
    accounts.unlock(conn, "ana")
    assert accounts.check_login(conn, "ana", STAFF_PASSWORD, settings).name == "ana"


def test_an_unknown_name_fails_exactly_like_a_wrong_password(conn) -> None:  # type: ignore[no-untyped-def]
    settings = _settings(conn)
    accounts.add(conn, "ana", STAFF_PASSWORD)
    with pytest.raises(LoginRefused) as wrong:
        accounts.check_login(conn, "ana", "wrong", settings)
    with pytest.raises(LoginRefused) as unknown:
        accounts.check_login(conn, "nobody", "wrong", settings)
    assert str(wrong.value) == str(unknown.value)


def test_sessions_end_at_logout_on_removal_and_on_a_new_password(conn) -> None:  # type: ignore[no-untyped-def]
    settings = _settings(conn)
    ana = accounts.add(conn, "ana", STAFF_PASSWORD)
    first, second = accounts.start_session(conn, ana, settings), accounts.start_session(conn, ana, settings)
    assert accounts.session_account(conn, first) == ana
    assert 0 < conn.ttl(accounts.session_key(first)) <= settings.staff_session_hours * 3600
    accounts.end_session(conn, first)
    assert accounts.session_account(conn, first) is None and accounts.session_account(conn, second) == ana
    accounts.set_password(conn, "ana", "a brand new password")
    assert accounts.session_account(conn, second) is None
    third = accounts.start_session(conn, ana, settings)
    assert accounts.remove(conn, "ana") and accounts.session_account(conn, third) is None
    assert not accounts.remove(conn, "ana")
    assert accounts.session_account(conn, None) is None


def test_cli_adds_lists_and_removes_staff_reading_the_password_from_stdin(settings, conn, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for var, value in settings_env(settings).items():
        monkeypatch.setenv(var, value)
    runner = CliRunner()
    result = runner.invoke(main, ["staff", "add", "Ana", "--role", "supervisor", "--phone", "(555) 555-0142"],
                           input=STAFF_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "added ana (supervisor)" in result.output
    assert STAFF_PASSWORD not in result.output
    assert accounts.check_login(conn, "ana", STAFF_PASSWORD, settings).phone == "+15555550142"
    again = runner.invoke(main, ["staff", "add", "ana"], input=STAFF_PASSWORD + "\n")
    assert again.exit_code != 0 and "already an account" in again.output
    short = runner.invoke(main, ["staff", "add", "bo"], input="short\n")
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    listed = runner.invoke(main, ["staff", "list"])
    assert listed.exit_code == 0 and "ana" in listed.output and "+1******0142" in listed.output
    assert "5555550142" not in listed.output
    passwd = runner.invoke(main, ["staff", "passwd", "ana"], input="another good password\n")
    assert passwd.exit_code == 0, passwd.output
    assert accounts.check_login(conn, "ana", "another good password", settings)
    removed = runner.invoke(main, ["staff", "remove", "ana"])
    assert removed.exit_code == 0 and accounts.get(conn, "ana") is None
    assert runner.invoke(main, ["staff", "remove", "ana"]).exit_code != 0
    assert "no staff accounts" in runner.invoke(main, ["staff", "list"]).output
