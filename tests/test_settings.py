"""Settings as the person setting up the helpline meets them: a .env file and the environment, and one clear
message naming every variable that is wrong when something is."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from helpline.cli import main
from helpline.config import Settings, load_settings
from helpline.errors import SettingsError


def problems(tmp_path: Path, **env: str) -> str:
    with pytest.raises(SettingsError) as raised:
        load_settings(environ={"HELPLINE_DATA_DIR": str(tmp_path), **env}, dotenv=None)
    message = str(raised.value)
    for noise in ("pydantic", "validation error", "Input should", "For further information", "Traceback"):
        assert noise not in message
    return message


def test_a_bad_phone_number_is_named(tmp_path: Path) -> None:
    assert "ORG_PHONE: 'call us' is not a phone number" in problems(tmp_path, ORG_PHONE="call us")
    message = problems(tmp_path, SUPERVISOR_ALERT_NUMBERS="+15555550142,12")
    assert "SUPERVISOR_ALERT_NUMBERS: '12' is not a possible phone number" in message


def test_a_number_out_of_range_is_named_with_its_range(tmp_path: Path) -> None:
    assert "DIAL_TIMEOUT: '3' is not a whole number from 5 to 600" in problems(tmp_path, DIAL_TIMEOUT="3")
    assert "PORT: '70000' is not a whole number from 1 to 65535" in problems(tmp_path, PORT="70000")
    assert "RETENTION_DAYS: 'forever' is not a positive whole number" in problems(tmp_path, RETENTION_DAYS="forever")


def test_bad_business_hours_and_time_zone_are_named(tmp_path: Path) -> None:
    message = problems(tmp_path, BUSINESS_HOURS="weekdays 9 to 5")
    assert "BUSINESS_HOURS: cannot read 'weekdays 9 to 5': write it like 'mon-fri 08:00-20:00" in message
    assert "TIMEZONE: unknown time zone 'Mars/Olympus'" in problems(tmp_path, TIMEZONE="Mars/Olympus")


def test_several_bad_settings_are_all_named_at_once(tmp_path: Path) -> None:
    message = problems(tmp_path, ORG_PHONE="call us", PORT="0", BUSINESS_HOURS="mon 17:00-09:00",
                       TIMEZONE="Nowhere", ORG_WALK_INS="sometimes", ESCALATION_MINUTES="5")
    lines = message.splitlines()
    assert lines[0] == "invalid settings:"
    named = sorted(line.split(":")[0].strip() for line in lines[1:])
    assert named == ["BUSINESS_HOURS", "ESCALATION_MINUTES", "ORG_PHONE", "ORG_WALK_INS", "PORT", "TIMEZONE"]


def test_a_good_env_file_loads_and_the_environment_and_overrides_win(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("# the helpline's settings\n"
                      "ORG_NAME='Harbor Recovery'\n"
                      "STAFF_ALERT_NUMBERS=+15555550142, (555) 555-0143\n"
                      "ESCALATION_MINUTES=3,8\n"
                      "TIMEZONE=America/Chicago\n"
                      'BUSINESS_HOURS="mon-fri 09:00-17:00"\n'
                      "ORG_WALK_INS=yes\n"
                      "PORT=8080\n"
                      "METRICS_TOKEN=\n"
                      "COMPOSE_PROJECT_NAME=helpline\n")  # for docker-compose, not the helpline: ignored
    settings = load_settings({"PORT": 9090}, environ={"HELPLINE_DATA_DIR": str(tmp_path / "data"),
                                                      "ORG_NAME": "Harbor House"}, dotenv=dotenv)
    assert settings.org_name == "Harbor House"  # the environment over .env
    assert settings.port == 9090  # the overrides over both
    assert settings.staff_alert_numbers == ("+15555550142", "+15555550143")
    assert settings.escalation_minutes == (3, 8)
    assert settings.business_hours == "mon-fri 09:00-17:00"
    assert str(settings.hours.zone) == "America/Chicago" and sorted(settings.hours.days) == [0, 1, 2, 3, 4]
    assert settings.org_walk_ins is True and settings.metrics_token is None
    assert settings.data_dir == tmp_path / "data" and len(settings.secret_key) >= 32


def test_the_default_hours_follow_the_time_zone(tmp_path: Path) -> None:
    settings = load_settings({"TIMEZONE": "America/Los_Angeles", "HELPLINE_DATA_DIR": str(tmp_path)},
                             environ={}, dotenv=None)
    assert str(settings.hours.zone) == "America/Los_Angeles"
    assert settings.business_hours == Settings().business_hours


def test_settings_built_in_code_read_nothing_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "1234")
    assert Settings().port == 5000
    assert Settings(port=1234, ORG_NAME="Harbor").org_name == "Harbor"


def test_the_command_says_what_is_wrong_and_stops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("PORT=0\nLOGIN_PER_MINUTE=lots\n")
    result = CliRunner().invoke(main, ["serve"], env={"HELPLINE_DATA_DIR": str(tmp_path / "data")})
    assert result.exit_code != 0
    assert "PORT: '0' is not a whole number from 1 to 65535" in result.output
    assert "LOGIN_PER_MINUTE: 'lots' is not a whole number from 1 to 10000" in result.output
    assert "Traceback" not in result.output and "pydantic" not in result.output
