"""The reply when anything inside fails: static text (or TwiML for a call) with the emergency numbers and the
helpline's own number.

Built from settings only, never from the flow or Redis (either may be what failed). If the message itself was
a crisis, the crisis reply leads (in Spanish when the message is clearly Spanish). Both replies carry a Spanish
line: the person's language is in Redis, which may be what failed.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING

from helpline.config import Settings
from helpline.understanding.crisis import NO_CRISIS, Lexicon, Verdict

if TYPE_CHECKING:
    from helpline.channels.journal import Entry
    from helpline.context import Helpline

log = logging.getLogger(__name__)


def screen(lexicon: Lexicon | None, text: str) -> Verdict:
    """The crisis screen, for the fail-safe: never raises (a broken screen counts as no verdict)."""
    try:
        return lexicon.screen(text) if lexicon is not None and text else NO_CRISIS
    except Exception:  # noqa: BLE001
        return NO_CRISIS


def journal(hl: Helpline, entry: Entry, verdict: Verdict) -> str:
    """Put what could not be stored into the outage journal; "queued", or "FAILED" (logged) when the disk
    refuses too. Never raises: the safe reply goes out whatever happens here."""
    try:
        from helpline.engine import crisis_paths

        path = crisis_paths.path_of(verdict, entry.body) if verdict.crisis else None
        extra = {**entry.extra, **({"path": path} if path else {})}
        hl.journal.append(dataclasses.replace(entry, crisis=verdict.crisis, category=verdict.category,
                                              severity=verdict.severity, extra=extra))
        return "queued"
    except Exception as exc:  # noqa: BLE001
        log.critical("outage journal write FAILED: %s sid=%s crisis=%s: this event is only in the log",
                     type(exc).__name__, entry.sid, verdict.category if verdict.crisis else "no", exc_info=exc)
        return "FAILED"


def _crisis_call(v: dict[str, str]) -> str:
    """How texts name the crisis line: "call or text 988", or the CRISIS_LINE set instead (988 still takes texts)."""
    return "call or text 988" if v["crisis_line"] == "988" else f"call {v['crisis_line']} or text 988"


def sms_text(settings: Settings) -> str:
    v = settings.variables
    e, poison = v["emergency_number"], v["overdose_line"]
    # The Spanish line keeps to the GSM alphabet (no á, í, ó, ú) so the whole reply is not sent as UCS-2.
    return (f"Sorry, our text service has a problem right now. In an emergency call {e}. For thoughts of "
            f"suicide {_crisis_call(v)}. Poison Control: {poison}. To talk to {v['org_name']}, "
            f"call {v['org_phone']}.\nEspañol: emergencias {e}; crisis: llame al {v['crisis_line']} y marque 2, o "
            f"escriba AYUDA al 988; Poison Control {poison}; llame a {v['org_name_es']}: {v['org_phone']}.")


def _lang_of(text: str) -> str:
    try:
        from helpline.engine.dialogue import detect_language

        return "es" if detect_language(text, first=True) == "es" else "en"
    except Exception:  # noqa: BLE001 - never let detection stop the safe reply
        return "en"


def sms_texts(settings: Settings, lexicon: Lexicon | None, body: str) -> list[str]:
    """The fail-safe reply for ``body``: the crisis reply first when the screen (pure, no I/O) still fires."""
    texts = []
    if lexicon is not None and body:
        try:
            verdict = lexicon.screen(body)
            if verdict.crisis and verdict.category:
                texts.append(lexicon.reply(verdict.category, "sms", _lang_of(body), severity=verdict.severity))
        except Exception:  # noqa: BLE001 - the screen failing must not stop the safe reply
            pass
    texts.append(sms_text(settings))
    return texts


def _spoken(number: str) -> str:
    """Digits read one by one, groups apart: "988" -> "9 8 8", "1-800-222-1222" -> "1, 8 0 0, 2 2 2, 1 2 2 2"."""
    groups = [g for g in number.replace("(", "").replace(")", "-").replace(" ", "-").split("-") if g]
    return ", ".join(" ".join(g) for g in groups)


def voice_text_es(settings: Settings) -> str:
    v = settings.variables
    return (f"Lo sentimos, nuestro servicio telefónico tiene un problema en este momento. En una emergencia, "
            f"cuelgue y marque {_spoken(v['emergency_number'])}. Si tiene pensamientos de suicidio, llame al "
            f"{_spoken(v['crisis_line'])} y marque 2 para español. "
            f"Le comunicamos ahora con {v['org_name_es']}. También puede llamarnos al {v['org_phone']}.")


def voice_text(settings: Settings) -> str:
    v = settings.variables
    return (f"Sorry, our phone service has a problem right now. In an emergency, hang up and dial "
            f"{_spoken(v['emergency_number'])}. For thoughts of suicide, call {_spoken(v['crisis_line'])}. Poison "
            f"Control: {_spoken(v['overdose_line'])}. We are putting "
            f"you through to {v['org_name']} now. You can also call us at {v['org_phone']}.")


def voice_twiml(settings: Settings, lexicon: Lexicon | None, speech: str = "") -> str:
    """The fail-safe TwiML for a call: the crisis reply first when the speech was a crisis, the emergency numbers,
    then a ``<Dial>`` to the staffed number (the crisis line for a crisis) with no action URL, so nothing of
    ours is needed afterwards; the numbers again if that call ends."""
    from twilio.twiml.voice_response import VoiceResponse

    resp = VoiceResponse()
    voice = {"voice": settings.voice, "language": settings.voice_language}
    voice_es = {"voice": settings.voice_es, "language": settings.voice_language_es}
    line = settings.admissions_line or settings.org_phone
    if lexicon is not None and speech:
        try:
            verdict = lexicon.screen(speech)
            if verdict.crisis and verdict.category:
                lang = _lang_of(speech)
                resp.say(lexicon.reply(verdict.category, "voice", lang, severity=verdict.severity),
                         **(voice_es if lang == "es" else voice))
                line = settings.overdose_line if verdict.category == "overdose" else settings.crisis_line
        except Exception:  # noqa: BLE001 - the screen failing must not stop the safe reply
            pass
    resp.say(voice_text(settings), **voice)
    resp.say(voice_text_es(settings), **voice_es)
    resp.dial(line, timeout=settings.dial_timeout)
    resp.say(f"If no one answered, please call {settings.variables['org_phone']}. In an emergency, dial "
             f"{_spoken(settings.emergency_number)}. Goodbye.", **voice)
    resp.hangup()
    return str(resp)
