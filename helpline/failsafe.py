"""The reply when anything inside fails: static text with the emergency numbers and the helpline's own number.

Built from settings only, never from the flow or Redis (either may be what failed). If the message itself was
a crisis, the crisis reply leads.
"""

from __future__ import annotations

from helpline.config import Settings
from helpline.crisis import Lexicon


def sms_text(settings: Settings) -> str:
    v = settings.variables
    return (f"Sorry, our text service has a problem right now. In an emergency call 911. For thoughts of "
            f"suicide call or text 988. Poison Control: 1-800-222-1222. To talk to {v['org_name']}, "
            f"call {v['org_phone']}.")


def sms_texts(settings: Settings, lexicon: Lexicon | None, body: str) -> list[str]:
    """The fail-safe reply for ``body``: the crisis reply first when the screen (pure, no I/O) still fires."""
    texts = []
    if lexicon is not None and body:
        try:
            verdict = lexicon.screen(body)
            if verdict.crisis and verdict.category:
                texts.append(lexicon.reply(verdict.category, "sms", "en"))
        except Exception:  # noqa: BLE001 - the screen failing must not stop the safe reply
            pass
    texts.append(sms_text(settings))
    return texts
