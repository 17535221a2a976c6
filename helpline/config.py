"""Settings: defaults in code, then a ``.env`` file, then the environment, then a test mapping.

:class:`Settings` is a pydantic-settings model: each field's type, range and default is declared on it, and each
environment variable is the field's name in capitals (``HELPLINE_DATA_DIR``, ``TWILIO_SIGNATURE_CHECK`` and
``BUSINESS_HOURS``, read into ``hours``, are named on their fields). Every setting is listed in the README.
:func:`load_settings` reads them, checks them all at start and raises one :class:`~helpline.errors.SettingsError`
that names each bad variable and what is wrong with it.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlparse

import phonenumbers
from pydantic import AliasGenerator, Field, PrivateAttr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, DotEnvSettingsSource, EnvSettingsSource, NoDecode, SettingsConfigDict

from helpline.errors import SettingsError
from helpline.hours import BusinessHours, spanish_hours, time_zone
from helpline.phones import checked_e164, display_number
from helpline.variables import content_variables, variables_in

__all__ = ["ENV_VARS", "PROJECT_DIR", "Settings", "display_number", "load_settings", "spanish_hours"]

log = logging.getLogger(__name__)

PROJECT_DIR = Path(__file__).resolve().parent.parent
MIN_SECRET_KEY = 32
Numbers = Annotated[tuple[str, ...], NoDecode]  # comma-separated in the environment: "+15555550142,+15555550143"


class Settings(BaseSettings):
    """The helpline's settings, validated. Build with :func:`load_settings`; ``Settings(**values)`` checks
    ``values`` (field or variable names) over the defaults and reads nothing from the environment."""

    model_config = SettingsConfigDict(
        frozen=True, extra="forbid", case_sensitive=True, env_ignore_empty=True, str_strip_whitespace=True,
        alias_generator=AliasGenerator(validation_alias=str.upper), validate_by_name=True, validate_by_alias=True,
        validate_default=False)

    # Fields are checked in this order, so a field a check depends on comes before it (DEFAULT_REGION before the
    # numbers, TIMEZONE before BUSINESS_HOURS, TWILIO_AUTH_TOKEN before TWILIO_ACCOUNT_SID).
    redis_url: str | None = None
    data_dir: Path = Field(Path("var"), validation_alias="HELPLINE_DATA_DIR")
    flows_dir: Path = PROJECT_DIR / "flows"
    twilio_auth_token: str | None = None
    twilio_account_sid: str | None = Field(None, validate_default=True)
    twilio_api_base: str | None = None  # only to point the twilio client at a local stand-in (tests, demos)
    signature_check: bool = Field(True, validation_alias="TWILIO_SIGNATURE_CHECK")
    public_url: str | None = None
    secret_key: str = ""
    default_region: str = "US"
    org_name: str = "Example Recovery Center"
    org_phone: str = "+15555550100"
    org_hours: str = "Mon-Fri 8am-8pm, Sat-Sun 9am-5pm"
    # -- the centre itself, for "when are you open" and "can I come in today" (never literals in the flow) --
    org_address: str = "100 Example Street, Springfield"  # fictional: set the real address before going live
    org_open_hours: str | None = None     # when the centre's doors are open; default ORG_HOURS
    org_walk_ins: bool = False            # True: people may come in without an appointment during ORG_OPEN_HOURS
    org_admits_minors: bool = False       # True: the centre treats people under 18
    helpline_number: str = "+15555550199"
    staff_alert_numbers: Numbers = ()
    supervisor_alert_numbers: Numbers = ()
    backup_alert_numbers: Numbers = ()  # the last rung of the escalation ladder (helpline/staff/roster.py)
    escalation_minutes: Annotated[tuple[int, int], NoDecode] = (5, 10)  # unclaimed crisis: supervisors, backups
    timezone: str = "America/New_York"
    # BUSINESS_HOURS, read once in TIMEZONE; ``business_hours`` gives back its text
    hours: Annotated[BusinessHours, NoDecode] = Field(
        "mon-fri 08:00-20:00; sat-sun 09:00-17:00", validation_alias="BUSINESS_HOURS", validate_default=True)
    due_crisis_minutes: int = Field(5, ge=1)
    due_urgent_minutes: int = Field(60, ge=1)
    due_routine_hours: int = Field(4, ge=1)  # business hours
    claim_timeout_minutes: int = Field(30, ge=1)
    retention_days: int = Field(90, ge=1)
    flood_per_minute: int = Field(12, ge=1)
    flood_per_hour: int = Field(120, ge=1)
    conversation_ttl: int = Field(24 * 3600, ge=1)
    max_request_bytes: int = Field(64 * 1024, ge=1)
    port: int = Field(5000, ge=1, le=65535)
    log_level: str = "INFO"
    log_format: str = "text"  # or "json": one JSON object a line
    # -- production shape (docker-compose.yml, docs/production.md) --
    trusted_proxies: int = Field(0, ge=0, le=5)  # proxies in front whose X-Forwarded-For/-Proto/-Host are believed
    metrics_token: str | None = None  # when set, /metrics wants "Authorization: Bearer <token>"
    login_per_minute: int = Field(10, ge=1, le=10_000)  # login attempts one client address may make a minute
    # -- voice (the IVR) --
    voice: str = "Polly.Joanna"           # the <Say> voice: an Amazon Polly voice, or Twilio's man/woman
    voice_language: str = "en-US"         # <Say> and <Gather> speech recognition language
    crisis_line: str = "988"              # dialled for a crisis heard on a call (suicide and other categories)
    overdose_line: str = "+18002221222"   # dialled after "hang up and dial 911" for an overdose: Poison Control
    admissions_line: str | None = None    # where "0" or "operator" goes in business hours; default ORG_PHONE
    on_call_line: str | None = None       # rung for a caller on the crisis path; default STAFF_ALERT_NUMBERS
    emergency_number: str = "911"         # what callers and texters are told to dial in an emergency
    journal_replay_seconds: int = Field(5, ge=0, le=3600)  # how often the outage journal is replayed (0: never)
    dial_timeout: int = Field(20, ge=5, le=600)            # seconds a <Dial> rings before voicemail
    voicemail_seconds: int = Field(120, ge=5, le=3600)     # the longest voicemail, in seconds
    # staff pages and accounts (helpline/staff/, helpline/staff/accounts.py)
    staff_session_hours: int = Field(12, ge=1, le=10_000)  # a staff login lasts this long, then asks again
    login_max_failures: int = Field(5, ge=1, le=10_000)  # failed logins in a row before the account is locked
    login_lock_minutes: int = Field(15, ge=1, le=10_000)  # how long a locked account stays locked
    staff_poll_seconds: int = Field(5, ge=1, le=10_000)  # how often the queue page looks for new requests
    # -- Spanish (texts with {org_name} and {org_hours} in es:, the Spanish voice) --
    org_name_es: str | None = None        # the organisation's name in Spanish texts; default ORG_NAME
    org_hours_es: str | None = None       # default: BUSINESS_HOURS written in Spanish
    org_open_hours_es: str | None = None  # ORG_OPEN_HOURS in Spanish texts; default ORG_HOURS_ES's value
    voice_es: str = "Polly.Lupe"          # the <Say> voice for Spanish (a US Spanish Polly voice)
    voice_language_es: str = "es-US"      # <Say> and <Gather> language for Spanish

    _local_auth_token: str | None = PrivateAttr(None)  # signs webhooks without a Twilio account (load_settings)

    # -- checks: each raises ValueError with what is wrong; load_settings puts the variable's name in front --
    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is not None and urlparse(value).scheme not in ("redis", "rediss", "unix"):
            raise ValueError(f"{value!r} must start with redis://, rediss:// or unix://")
        return value

    @field_validator("twilio_account_sid")
    @classmethod
    def _twilio_account(cls, value: str | None, info: ValidationInfo) -> str | None:
        problems = []
        if value is not None and not (value.startswith("AC") and len(value) == 34):
            problems.append("must be 34 characters starting with AC (see the Twilio console)")
        if bool(value) != bool(info.data.get("twilio_auth_token")):
            problems.append("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN: set both for real Twilio, or neither for "
                            "local mode")
        if problems:
            raise ValueError("\n".join(problems))
        return value

    @field_validator("signature_check", mode="before")
    @classmethod
    def _on_off(cls, value: object) -> bool:
        return _switch(value, "'on' or 'off'")

    @field_validator("org_walk_ins", "org_admits_minors", mode="before")
    @classmethod
    def _yes_no(cls, value: object) -> bool:
        return _switch(value, "'yes' or 'no'")

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if urlparse(value).scheme not in ("http", "https") or not urlparse(value).netloc:
            raise ValueError(f"{value!r} must be the public base URL, like https://helpline.example.org")
        return value.rstrip("/")

    @field_validator("secret_key")
    @classmethod
    def _secret_key(cls, value: str) -> str:
        if len(value) < MIN_SECRET_KEY:
            raise ValueError(f"must be at least {MIN_SECRET_KEY} characters (it signs staff logins); make one "
                             "with: python -c \"import secrets; print(secrets.token_hex(32))\"")
        return value

    @field_validator("default_region")
    @classmethod
    def _region(cls, value: str) -> str:
        if value.upper() not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"{value!r} is not a region code like US or GB")
        return value.upper()

    @field_validator("org_phone", "helpline_number")
    @classmethod
    def _number(cls, value: str, info: ValidationInfo) -> str:
        return checked_e164(value, info.data.get("default_region", "US"))

    @field_validator("staff_alert_numbers", "supervisor_alert_numbers", "backup_alert_numbers", mode="before")
    @classmethod
    def _numbers(cls, value: object, info: ValidationInfo) -> tuple[str, ...]:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)):
            raise ValueError(f"{value!r} must be phone numbers separated by commas")
        numbers, problems = [], []
        for item in filter(None, (str(i).strip() for i in items)):
            try:
                numbers.append(checked_e164(item, info.data.get("default_region", "US")))
            except ValueError as exc:
                problems.append(str(exc))
        if problems:
            raise ValueError("\n".join(problems))
        return tuple(numbers)

    @field_validator("escalation_minutes", mode="before")
    @classmethod
    def _minutes(cls, value: object) -> tuple[int, int]:
        parts: Any = value.split(",") if isinstance(value, str) else value
        try:
            first, second = (int(str(p).strip()) for p in parts)
            if min(first, second) > 0:
                return first, second
        except (TypeError, ValueError):
            pass
        raise ValueError(f"{value!r} must be two positive whole numbers of minutes, like 5,10")

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        return time_zone(value).key

    @field_validator("hours", mode="before")
    @classmethod
    def _hours(cls, value: object, info: ValidationInfo) -> BusinessHours:
        spec = value.spec if isinstance(value, BusinessHours) else str(value).strip()
        # with a bad TIMEZONE (named on its own) the hours are still checked, in UTC
        return BusinessHours.parse(spec, info.data.get("timezone", "UTC"))

    @field_validator("log_level", "log_format")
    @classmethod
    def _log(cls, value: str, info: ValidationInfo) -> str:
        choices = ("DEBUG", "INFO", "WARNING", "ERROR") if info.field_name == "log_level" else ("text", "json")
        if value.casefold() not in (c.casefold() for c in choices):
            raise ValueError(f"{value!r} must be {', '.join(choices[:-1])} or {choices[-1]}")
        return value.upper() if info.field_name == "log_level" else value.lower()

    @field_validator("voice_language", "voice_language_es")
    @classmethod
    def _language(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z]{2,3}-[A-Z]{2}", value):
            raise ValueError(f"{value!r} must be a language tag like en-US or es-MX")
        return value

    @field_validator("emergency_number")
    @classmethod
    def _emergency(cls, value: str) -> str:
        digits = re.sub(r"[\s().-]", "", value)
        if not re.fullmatch(r"\d{3}", digits):
            raise ValueError(f"{value!r} is not a three-digit emergency number such as 911 or 112")
        return digits

    @field_validator("crisis_line", "overdose_line", "admissions_line", "on_call_line")
    @classmethod
    def _line(cls, value: str | None, info: ValidationInfo) -> str | None:
        """A line Twilio dials: a short code such as 988 as it is, any other number as E.164."""
        if value is None:
            return None
        digits = re.sub(r"[\s().-]", "", value)
        if digits in ("911", "112"):
            raise ValueError(f"Twilio cannot place emergency calls; callers are told to dial {digits} themselves")
        if re.fullmatch(r"\d{3,6}", digits):
            return digits
        return checked_e164(value, info.data.get("default_region", "US"))

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: Any, *_: Any,
                                   **__: Any) -> tuple[Any, ...]:
        """Only the values given: the environment and ``.env`` are read by :func:`load_settings` alone."""
        return (init_settings,)

    # -- derived values --
    @property
    def business_hours(self) -> str:
        """``BUSINESS_HOURS`` as it was written (``hours`` is the same, read)."""
        return self.hours.spec

    @property
    def twilio_configured(self) -> bool:
        """True when real Twilio credentials are set (otherwise outbound messages go to the local outbox)."""
        return bool(self.twilio_account_sid and self.twilio_auth_token)

    @property
    def signing_token(self) -> str:
        """The token webhook signatures are checked with: Twilio's auth token, or a local one for development."""
        token = self.twilio_auth_token or self._local_auth_token
        if not token:
            raise SettingsError("no TWILIO_AUTH_TOKEN and no local token: build the settings with load_settings()")
        return token

    @property
    def variables(self) -> dict[str, str]:
        """The settings that content texts may use, e.g. ``{org_phone}`` (see :mod:`helpline.variables`)."""
        return content_variables(self)

    def variables_in(self, lang: str) -> dict[str, str]:
        """The content variables as a text in ``lang`` sees them (``{org_hours}`` in Spanish for ``es``)."""
        return variables_in(self.variables, lang)

    def voice_for(self, lang: str) -> tuple[str, str]:
        """The (voice, language tag) calls in ``lang`` are read and heard in."""
        if lang == "es":
            return self.voice_es, self.voice_language_es
        return self.voice, self.voice_language


def _switch(value: object, choices: str) -> bool:
    """on/true/1/yes -> True, off/false/0/no -> False."""
    text = str(value).strip().lower()
    if text not in ("on", "true", "1", "yes", "off", "false", "0", "no"):
        raise ValueError(f"{value!r} must be {choices}")
    return text in ("on", "true", "1", "yes")


_VARIABLE = {name: str(field.validation_alias) for name, field in Settings.model_fields.items()}  # -> variable
#: Each environment variable and the :class:`Settings` attribute it sets.
ENV_VARS = {var: "business_hours" if name == "hours" else name for name, var in _VARIABLE.items()}
_FIELDS = {**{var: name for name, var in _VARIABLE.items()}, **{name: name for name in _VARIABLE},
           "business_hours": "hours"}  # a variable's, a field's or an attribute's name -> field


class _Environment(EnvSettingsSource):
    """pydantic-settings' reader of environment variables, over ``environ`` (``os.environ``, or a test's)."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]):
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {k: v for k, v in self._environ.items() if v != ""}


def load_settings(overrides: Mapping[str, object] | None = None, *, environ: Mapping[str, str] | None = None,
                  dotenv: str | Path | None = ".env") -> Settings:
    """Defaults, then ``.env``, then the environment, then ``overrides`` (field names or variable names)."""
    values: dict[str, Any] = {}
    if dotenv:
        values.update(_by_field(DotEnvSettingsSource(Settings, env_file=dotenv)()))
    values.update(_by_field(_Environment(Settings, os.environ if environ is None else environ)()))
    values.update(_by_field(overrides or {}, keep_unknown=True))
    try:
        settings = Settings(**values)
    except ValidationError as exc:
        raise SettingsError("invalid settings:\n  " + "\n  ".join(_problems(exc))) from None
    if "org_hours" in settings.model_fields_set and not settings.org_hours_es:
        log.warning("ORG_HOURS is set but ORG_HOURS_ES is not: Spanish texts give BUSINESS_HOURS in Spanish; "
                    "set ORG_HOURS_ES to say it your way")
    return _with_local_secrets(settings)


def _by_field(values: Mapping[str, object], keep_unknown: bool = False) -> dict[str, object]:
    """``values`` keyed by field name; unknown names dropped (from a ``.env``) or kept, to be refused (overrides)."""
    return {_FIELDS.get(k, k): v for k, v in values.items() if keep_unknown or k in _FIELDS}


def _problems(exc: ValidationError) -> list[str]:
    """One line per problem, each starting with the variable's name: ``PORT: 'x' is not a whole number ...``."""
    lines = []
    for error in exc.errors(include_url=False):
        key = str(error["loc"][0]) if error["loc"] else ""
        name = _FIELDS.get(key)
        if name is None:
            lines.append(f"unknown setting {key!r}")
            continue
        if error["type"] == "value_error":
            text = str(error["ctx"]["error"])
        elif error["type"].startswith(("int_", "greater_than", "less_than")):
            text = f"{error['input']!r} is not {_whole_number(Settings.model_fields[name].metadata)}"
        else:
            text = f"{error['input']!r}: {error['msg'][0].lower()}{error['msg'][1:]}"
        for line in text.split("\n"):
            lines.append(line if line.startswith(_VARIABLE[name]) else f"{_VARIABLE[name]}: {line}")
    return lines


def _whole_number(limits: list[Any]) -> str:
    low = next((m.ge for m in limits if hasattr(m, "ge")), None)
    high = next((m.le for m in limits if hasattr(m, "le")), None)
    if high is not None:
        return f"a whole number from {low} to {high}"
    return "a positive whole number" if low == 1 else "a whole number"


def _with_local_secrets(settings: Settings) -> Settings:
    """Without a Twilio account or SECRET_KEY, make random ones once and keep them in the data folder, so the
    web server, the worker and ``helpline chat`` agree on them (and no well-known default is ever used)."""
    if not settings.secret_key:
        settings = settings.model_copy(update={"secret_key": _local_secret(settings.data_dir / "secret_key")})
    if not settings.twilio_auth_token:
        settings._local_auth_token = _local_secret(settings.data_dir / "local_auth_token")
    return settings


def _local_secret(path: Path) -> str:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(16)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(token)
    return token
