"""Settings: defaults in code, then the environment (and a ``.env`` file), then a test mapping.

Every setting is listed in the README. :func:`load_settings` checks them all at start and raises one
:class:`~helpline.errors.SettingsError` that names each bad variable and what is wrong with it.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlparse

import phonenumbers
from dotenv import dotenv_values

from helpline.errors import SettingsError
from helpline.hours import BusinessHours
from helpline.phones import line_text

log = logging.getLogger(__name__)

PROJECT_DIR = Path(__file__).resolve().parent.parent
MIN_SECRET_KEY = 32
RANGES = {"dial_timeout": (5, 600), "voicemail_seconds": (5, 3600), "trusted_proxies": (0, 5),
          "login_per_minute": (1, 10_000)}
SECONDS = ("dial_timeout", "voicemail_seconds")


@dataclass(frozen=True)
class Settings:
    """The helpline's settings, validated. Build with :func:`load_settings`."""

    redis_url: str | None = None
    data_dir: Path = Path("var")
    flows_dir: Path = PROJECT_DIR / "flows"
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_api_base: str | None = None  # only to point the twilio client at a local stand-in (tests, demos)
    signature_check: bool = True
    public_url: str | None = None
    secret_key: str = ""
    org_name: str = "Example Recovery Center"
    org_phone: str = "+15555550100"
    org_hours: str = "Mon-Fri 8am-8pm, Sat-Sun 9am-5pm"
    # -- the centre itself, for "when are you open" and "can I come in today" (never literals in the flow) --
    org_address: str = "100 Example Street, Springfield"  # fictional: set the real address before going live
    org_open_hours: str | None = None     # when the centre's doors are open; default ORG_HOURS
    org_walk_ins: bool = False            # True: people may come in without an appointment during ORG_OPEN_HOURS
    org_admits_minors: bool = False       # True: the centre treats people under 18
    helpline_number: str = "+15555550199"
    staff_alert_numbers: tuple[str, ...] = ()
    supervisor_alert_numbers: tuple[str, ...] = ()
    backup_alert_numbers: tuple[str, ...] = ()  # the last rung of the escalation ladder (helpline/staff/roster.py)
    escalation_minutes: tuple[int, int] = (5, 10)  # unclaimed crisis: to supervisors, then to the backup list
    timezone: str = "America/New_York"
    business_hours: str = "mon-fri 08:00-20:00; sat-sun 09:00-17:00"
    due_crisis_minutes: int = 5
    due_urgent_minutes: int = 60
    due_routine_hours: int = 4  # business hours
    claim_timeout_minutes: int = 30
    retention_days: int = 90
    flood_per_minute: int = 12
    flood_per_hour: int = 120
    default_region: str = "US"
    conversation_ttl: int = 24 * 3600
    max_request_bytes: int = 64 * 1024
    port: int = 5000
    log_level: str = "INFO"
    log_format: str = "text"  # or "json": one JSON object a line
    # -- production shape (docker-compose.yml, docs/production.md) --
    trusted_proxies: int = 0  # proxies in front whose X-Forwarded-For/-Proto/-Host are believed (ProxyFix)
    metrics_token: str | None = None  # when set, /metrics wants "Authorization: Bearer <token>"
    login_per_minute: int = 10  # login attempts one client address may make a minute (staff pages and API)
    # -- voice (the IVR) --
    voice: str = "Polly.Joanna"           # the <Say> voice: an Amazon Polly voice, or Twilio's man/woman
    voice_language: str = "en-US"         # <Say> and <Gather> speech recognition language
    crisis_line: str = "988"              # dialled for a crisis heard on a call (suicide and other categories)
    overdose_line: str = "+18002221222"   # dialled after "hang up and dial 911" for an overdose: Poison Control
    admissions_line: str | None = None    # where "0" or "operator" goes in business hours; default ORG_PHONE
    on_call_line: str | None = None       # rung for a caller on the crisis path; default STAFF_ALERT_NUMBERS
    emergency_number: str = "911"         # what callers and texters are told to dial in an emergency
    journal_replay_seconds: int = 5       # how often the outage journal is replayed into Redis (0: never)
    dial_timeout: int = 20                # seconds a <Dial> rings before voicemail
    voicemail_seconds: int = 120          # the longest voicemail
    # staff pages and accounts (helpline/staff/, helpline/staff/accounts.py)
    staff_session_hours: int = 12  # a staff login lasts this long, then asks again
    login_max_failures: int = 5  # failed logins in a row before the account is locked
    login_lock_minutes: int = 15  # how long a locked account stays locked
    staff_poll_seconds: int = 5  # how often the queue page looks for new requests
    # -- Spanish (texts with {org_name} and {org_hours} in es:, the Spanish voice) --
    org_name_es: str | None = None        # the organisation's name in Spanish texts; default ORG_NAME
    org_hours_es: str | None = None       # default: BUSINESS_HOURS written in Spanish
    org_open_hours_es: str | None = None  # ORG_OPEN_HOURS in Spanish texts; default ORG_HOURS_ES's value
    voice_es: str = "Polly.Lupe"          # the <Say> voice for Spanish (a US Spanish Polly voice)
    voice_language_es: str = "es-US"      # <Say> and <Gather> language for Spanish
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def hours(self) -> BusinessHours:
        """``BUSINESS_HOURS`` in ``TIMEZONE`` (validated when the settings were loaded)."""
        return BusinessHours.parse(self.business_hours, self.timezone)

    @property
    def twilio_configured(self) -> bool:
        """True when real Twilio credentials are set (otherwise outbound messages go to the local outbox)."""
        return bool(self.twilio_account_sid and self.twilio_auth_token)

    @property
    def signing_token(self) -> str:
        """The token webhook signatures are checked with: Twilio's auth token, or a local one for development."""
        return self.twilio_auth_token or self.extra["local_auth_token"]

    @property
    def variables(self) -> dict[str, str]:
        """The settings that content texts may use, e.g. ``{org_phone}``, formatted for reading; ``name_es`` is the
        value of ``{name}`` in Spanish texts (the flow loader applies it per language)."""
        return {
            "org_name": self.org_name,
            "org_phone": display_number(self.org_phone, self.default_region),
            "org_hours": self.org_hours,
            "helpline_number": display_number(self.helpline_number, self.default_region),
            "org_name_es": self.org_name_es or self.org_name,
            "org_hours_es": self.org_hours_es or spanish_hours(self.business_hours),
            "org_address": self.org_address,
            "org_open_hours": self.org_open_hours or self.org_hours,
            "org_open_hours_es": (self.org_open_hours_es or self.org_open_hours_es_default),
            "org_walk_in": WALK_IN_TEXT[self.org_walk_ins]["en"],
            "org_walk_in_es": WALK_IN_TEXT[self.org_walk_ins]["es"],
            "org_minors": MINORS_TEXT[self.org_admits_minors]["en"],
            "org_minors_es": MINORS_TEXT[self.org_admits_minors]["es"],
            "crisis_line": line_text(self.crisis_line, self.default_region),
            "overdose_line": line_text(self.overdose_line, self.default_region),
            "emergency_number": self.emergency_number,
        }

    @property
    def org_open_hours_es_default(self) -> str:
        """ORG_OPEN_HOURS for Spanish texts when ORG_OPEN_HOURS_ES is not set: the Spanish callback hours, unless
        ORG_OPEN_HOURS was set on its own (then that value: a mixed-language text beats a wrong one)."""
        if self.org_open_hours:
            return self.org_open_hours
        return self.org_hours_es or spanish_hours(self.business_hours)

    def variables_in(self, lang: str) -> dict[str, str]:
        """The content variables as a text in ``lang`` sees them (``{org_hours}`` in Spanish for ``es``)."""
        variables = self.variables
        out = {k: v for k, v in variables.items() if not k.endswith("_es")}
        if lang == "es":
            out.update({k[:-3]: v for k, v in variables.items() if k.endswith("_es") and k[:-3] in out})
        return out

    def voice_for(self, lang: str) -> tuple[str, str]:
        """The (voice, language tag) calls in ``lang`` are read and heard in."""
        if lang == "es":
            return self.voice_es, self.voice_language_es
        return self.voice, self.voice_language


# What a text says for the yes/no settings ORG_WALK_INS and ORG_ADMITS_MINORS ({org_walk_in}, {org_minors}).
# Facts about this centre only; written with the content team, in both languages, with the same facts.
WALK_IN_TEXT = {
    True: {"en": "You can walk in without an appointment during those hours.",
           "es": "Puede venir sin cita en ese horario."},
    False: {"en": "Please call or text first so we can set a time: we don't take walk-ins.",
            "es": "Llame o escriba antes para fijar una hora: no atendemos sin cita."},
}
MINORS_TEXT = {
    True: {"en": "We treat teens too, with a parent or guardian involved.",
           "es": "También atendemos a adolescentes, con su padre, madre o tutor."},
    False: {"en": "Our program is for adults (18+), but our team can help you find care for a teen.",
            "es": "Nuestro programa es para adultos (18+), pero le ayudamos a buscar atención para menores."},
}

SPANISH_DAYS = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]


def spanish_hours(spec: str) -> str:
    """``BUSINESS_HOURS`` for a Spanish text: "mon-fri 08:00-20:00; sat-sun 09:00-17:00" ->
    "lunes a viernes de 8am a 8pm, sábado y domingo de 9am a 5pm"."""
    def clock(hhmm: str) -> str:
        hour, minute = (int(x) for x in hhmm.split(":"))
        if hour in (0, 24) and minute == 0:
            return "medianoche"
        if hour == 12 and minute == 0:
            return "mediodía"
        suffix = "am" if hour < 12 else "pm"
        hour = hour % 12 or 12
        return f"{hour}{suffix}" if minute == 0 else f"{hour}:{minute:02d}{suffix}"

    days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    parts = []
    for part in filter(None, (p.strip() for p in spec.lower().split(";"))):
        m = re.match(r"^([a-z]{3})(?:\s*-\s*([a-z]{3}))?\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})$", part)
        if not m or m.group(1) not in days or (m.group(2) and m.group(2) not in days):
            return spec  # validated elsewhere; never fail here
        first = SPANISH_DAYS[days.index(m.group(1))]
        if m.group(2):
            last = SPANISH_DAYS[days.index(m.group(2))]
            joiner = " y " if (days.index(m.group(2)) - days.index(m.group(1))) % 7 == 1 else " a "
            first = first + joiner + last
        parts.append(f"{first} de {clock(m.group(3))} a {clock(m.group(4))}")
    return ", ".join(parts) or spec


def display_number(e164: str, region: str) -> str:
    """A number as people in ``region`` write it: "+15555550100" -> "(555) 555-0100"."""
    try:
        number = phonenumbers.parse(e164, region)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) == region or number.country_code == 1 and region == "US":
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


ENV_VARS = {
    "REDIS_URL": "redis_url",
    "HELPLINE_DATA_DIR": "data_dir",
    "FLOWS_DIR": "flows_dir",
    "TWILIO_ACCOUNT_SID": "twilio_account_sid",
    "TWILIO_AUTH_TOKEN": "twilio_auth_token",
    "TWILIO_SIGNATURE_CHECK": "signature_check",
    "TWILIO_API_BASE": "twilio_api_base",
    "PUBLIC_URL": "public_url",
    "SECRET_KEY": "secret_key",
    "ORG_NAME": "org_name",
    "ORG_PHONE": "org_phone",
    "ORG_HOURS": "org_hours",
    "ORG_ADDRESS": "org_address",
    "ORG_OPEN_HOURS": "org_open_hours",
    "ORG_OPEN_HOURS_ES": "org_open_hours_es",
    "ORG_WALK_INS": "org_walk_ins",
    "ORG_ADMITS_MINORS": "org_admits_minors",
    "HELPLINE_NUMBER": "helpline_number",
    "STAFF_ALERT_NUMBERS": "staff_alert_numbers",
    "SUPERVISOR_ALERT_NUMBERS": "supervisor_alert_numbers",
    "BACKUP_ALERT_NUMBERS": "backup_alert_numbers",
    "ESCALATION_MINUTES": "escalation_minutes",
    "TIMEZONE": "timezone",
    "BUSINESS_HOURS": "business_hours",
    "DUE_CRISIS_MINUTES": "due_crisis_minutes",
    "DUE_URGENT_MINUTES": "due_urgent_minutes",
    "DUE_ROUTINE_HOURS": "due_routine_hours",
    "CLAIM_TIMEOUT_MINUTES": "claim_timeout_minutes",
    "RETENTION_DAYS": "retention_days",
    "FLOOD_PER_MINUTE": "flood_per_minute",
    "FLOOD_PER_HOUR": "flood_per_hour",
    "DEFAULT_REGION": "default_region",
    "CONVERSATION_TTL": "conversation_ttl",
    "MAX_REQUEST_BYTES": "max_request_bytes",
    "PORT": "port",
    "LOG_LEVEL": "log_level",
    "LOG_FORMAT": "log_format",
    "TRUSTED_PROXIES": "trusted_proxies",
    "METRICS_TOKEN": "metrics_token",
    "LOGIN_PER_MINUTE": "login_per_minute",
    "VOICE": "voice",
    "VOICE_LANGUAGE": "voice_language",
    "CRISIS_LINE": "crisis_line",
    "OVERDOSE_LINE": "overdose_line",
    "ADMISSIONS_LINE": "admissions_line",
    "ON_CALL_LINE": "on_call_line",
    "EMERGENCY_NUMBER": "emergency_number",
    "JOURNAL_REPLAY_SECONDS": "journal_replay_seconds",
    "DIAL_TIMEOUT": "dial_timeout",
    "VOICEMAIL_SECONDS": "voicemail_seconds",
    "STAFF_SESSION_HOURS": "staff_session_hours",
    "LOGIN_MAX_FAILURES": "login_max_failures",
    "LOGIN_LOCK_MINUTES": "login_lock_minutes",
    "STAFF_POLL_SECONDS": "staff_poll_seconds",
    "ORG_NAME_ES": "org_name_es",
    "ORG_HOURS_ES": "org_hours_es",
    "VOICE_ES": "voice_es",
    "VOICE_LANGUAGE_ES": "voice_language_es",
}


def load_settings(overrides: Mapping[str, object] | None = None, *, environ: Mapping[str, str] | None = None,
                  dotenv: str | Path | None = ".env") -> Settings:
    """Defaults, then ``.env``, then the environment, then ``overrides`` (field names or variable names)."""
    raw: dict[str, object] = {}
    if dotenv and Path(dotenv).is_file():
        raw.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
    raw.update(os.environ if environ is None else environ)
    values: dict[str, object] = {ENV_VARS[k]: v for k, v in raw.items() if k in ENV_VARS and v != ""}
    for key, value in (overrides or {}).items():
        values[ENV_VARS.get(key, key)] = value
    return _validate(values)


def _validate(values: dict[str, object]) -> Settings:
    errors: list[str] = []
    out: dict[str, object] = {}
    names = {v: k for k, v in ENV_VARS.items()}
    region = str(values.get("default_region", Settings.default_region)).upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        errors.append(f"DEFAULT_REGION: {region!r} is not a region code like US or GB")
        region = "US"
    out["default_region"] = region

    def number(field_name: str, value: object) -> str | None:
        try:
            parsed = phonenumbers.parse(str(value), region)
        except phonenumbers.NumberParseException as exc:
            errors.append(f"{names[field_name]}: {value!r} is not a phone number ({exc})")
            return None
        if not phonenumbers.is_possible_number(parsed):
            errors.append(f"{names[field_name]}: {value!r} is not a possible phone number")
            return None
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)

    for key, value in values.items():
        if key == "default_region":
            continue
        if key not in Settings.__dataclass_fields__:
            errors.append(f"unknown setting {key!r}")
            continue
        if key in ("data_dir", "flows_dir"):
            out[key] = Path(str(value))
        elif key in ("org_phone", "helpline_number"):
            out[key] = number(key, value) or Settings.__dataclass_fields__[key].default
        elif key in ("staff_alert_numbers", "supervisor_alert_numbers", "backup_alert_numbers"):
            items = value if isinstance(value, (list, tuple)) else str(value).split(",")
            out[key] = tuple(n for n in (number(key, v) for v in items if str(v).strip()) if n)
        elif key in ("conversation_ttl", "max_request_bytes", "port", "due_crisis_minutes", "due_urgent_minutes",
                     "due_routine_hours", "claim_timeout_minutes", "retention_days", "flood_per_minute",
                     "flood_per_hour"):
            try:
                out[key] = int(str(value))
                if out[key] <= 0:  # type: ignore[operator]
                    raise ValueError
            except ValueError:
                errors.append(f"{names[key]}: {value!r} is not a positive whole number")
        elif key in ("org_walk_ins", "org_admits_minors"):
            flag = _switch(value)
            if flag is None:
                errors.append(f"{names[key]}: {value!r} must be 'yes' or 'no'")
            else:
                out[key] = flag
        elif key == "escalation_minutes":
            parts = value if isinstance(value, (list, tuple)) else str(value).split(",")
            try:
                minutes = tuple(int(str(p).strip()) for p in parts)
                if len(minutes) != 2 or min(minutes) <= 0:
                    raise ValueError
                out[key] = minutes
            except ValueError:
                errors.append(f"ESCALATION_MINUTES: {value!r} must be two positive whole numbers of minutes, like 5,10")
        elif key == "signature_check":
            flag = _switch(value)
            if flag is None:
                errors.append(f"TWILIO_SIGNATURE_CHECK: {value!r} must be 'on' or 'off'")
            else:
                out[key] = flag
        elif key == "public_url":
            url = str(value).rstrip("/")
            parsed = urlparse(url)
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                errors.append(f"PUBLIC_URL: {value!r} must be the public base URL, like https://helpline.example.org")
            out[key] = url
        elif key == "redis_url":
            if urlparse(str(value)).scheme not in ("redis", "rediss", "unix"):
                errors.append(f"REDIS_URL: {value!r} must start with redis://, rediss:// or unix://")
            out[key] = str(value)
        elif key == "log_level":
            level = str(value).upper()
            if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
                errors.append(f"LOG_LEVEL: {value!r} must be DEBUG, INFO, WARNING or ERROR")
            out[key] = level
        elif key == "log_format":
            out[key] = str(value).strip().lower()
            if out[key] not in ("text", "json"):
                errors.append(f"LOG_FORMAT: {value!r} must be text or json")
        elif key == "secret_key":
            out[key] = str(value).strip()
            if len(out[key]) < MIN_SECRET_KEY:  # type: ignore[arg-type]
                errors.append(f"SECRET_KEY: must be at least {MIN_SECRET_KEY} characters (it signs staff "
                              "logins); make one with: python -c \"import secrets; print(secrets.token_hex(32))\"")
        elif key in ("staff_session_hours", "login_max_failures", "login_lock_minutes", "staff_poll_seconds"):
            try:
                out[key] = int(str(value))
                if not 0 < out[key] <= 10_000:  # type: ignore[operator]
                    raise ValueError
            except ValueError:
                errors.append(f"{names[key]}: {value!r} is not a whole number from 1 to 10000")
        elif key == "twilio_account_sid":
            sid = str(value).strip()
            if not (sid.startswith("AC") and len(sid) == 34):
                errors.append("TWILIO_ACCOUNT_SID: must be 34 characters starting with AC (see the Twilio console)")
            out[key] = sid
        # -- voice settings --
        elif key == "journal_replay_seconds":
            try:
                out[key] = int(str(value))
                if not 0 <= out[key] <= 3600:  # type: ignore[operator]
                    raise ValueError
            except ValueError:
                errors.append(f"{names[key]}: {value!r} is not a whole number of seconds from 0 to 3600")
        elif key == "emergency_number":
            text = re.sub(r"[\s().-]", "", str(value))
            if re.fullmatch(r"\d{3}", text):
                out[key] = text
            else:
                errors.append(f"{names[key]}: {value!r} is not a three-digit emergency number such as 911 or 112")
        elif key in ("crisis_line", "overdose_line", "admissions_line", "on_call_line"):
            text = re.sub(r"[\s().-]", "", str(value))
            if text in ("911", "112"):
                errors.append(f"{names[key]}: Twilio cannot place emergency calls; callers are told to dial "
                              f"{text} themselves")
            elif re.fullmatch(r"\d{3,6}", text):  # a short code such as 988
                out[key] = text
            else:
                out[key] = number(key, value) or Settings.__dataclass_fields__[key].default
        elif key in RANGES:
            limits = RANGES[key]
            try:
                out[key] = int(str(value))
                if not limits[0] <= out[key] <= limits[1]:  # type: ignore[operator]
                    raise ValueError
            except ValueError:
                errors.append(f"{names[key]}: {value!r} must be a whole number{' of seconds' * (key in SECONDS)} "
                              f"from {limits[0]} to {limits[1]}")
        elif key in ("voice_language", "voice_language_es"):
            if not re.fullmatch(r"[a-z]{2,3}-[A-Z]{2}", str(value).strip()):
                errors.append(f"{names[key]}: {value!r} must be a language tag like en-US or es-MX")
            out[key] = str(value).strip()
        elif key == "extra":
            out[key] = dict(value)  # type: ignore[call-overload]
        else:
            out[key] = value if not isinstance(value, str) else value.strip()
    try:
        BusinessHours.parse(str(out.get("business_hours", Settings.business_hours)),
                            str(out.get("timezone", Settings.timezone)))
    except ValueError as exc:
        errors.append(f"BUSINESS_HOURS/TIMEZONE: {exc}")
    if bool(out.get("twilio_account_sid")) != bool(out.get("twilio_auth_token")):
        errors.append("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN: set both for real Twilio, or neither for local mode")
    if "org_hours" in out and not out.get("org_hours_es"):
        log.warning("ORG_HOURS is set but ORG_HOURS_ES is not: Spanish texts give BUSINESS_HOURS in Spanish; "
                    "set ORG_HOURS_ES to say it your way")
    if errors:
        raise SettingsError("invalid settings:\n  " + "\n  ".join(errors))
    settings = Settings(**out)  # type: ignore[arg-type]
    return _with_local_secrets(settings)


def _with_local_secrets(settings: Settings) -> Settings:
    """Without a Twilio account or SECRET_KEY, make random ones once and keep them in the data folder, so the
    web server, the worker and ``helpline chat`` agree on them (and no well-known default is ever used)."""
    extra = dict(settings.extra)
    changes: dict[str, object] = {}
    if not settings.twilio_auth_token and "local_auth_token" not in extra:
        extra["local_auth_token"] = _local_secret(settings.data_dir / "local_auth_token")
    if not settings.secret_key:
        changes["secret_key"] = _local_secret(settings.data_dir / "secret_key")
    return replace(settings, extra=extra, **changes)  # type: ignore[arg-type]


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


def _switch(value: object) -> bool | None:
    """on/true/1/yes -> True, off/false/0/no -> False, anything else None."""
    text = str(value).strip().lower()
    return True if text in ("on", "true", "1", "yes") else False if text in ("off", "false", "0", "no") else None
