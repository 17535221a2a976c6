"""A category's replies: rendered from their templates for every language and channel, and checked to fit
(SMS segments, no web address or digits read out by voice)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from helpline.content import segments, templating
from helpline.errors import Problem

CHANNELS = ("sms", "voice")
SMS_MAX_SEPTETS = 306  # two concatenated GSM-7 segments of 153
SMS_MAX_SEGMENTS = 2
# Languages whose SMS replies may go as UCS-2, and how many segments they may take. Spanish needs a i o u with
# an acute accent, which are not GSM-7, so a Spanish text is sent as UCS-2: 70 characters in one segment, 67 a
# segment once split. Two UCS-2 segments (134 characters) cannot hold a complete crisis reply (988, "marque 2",
# AYUDA, 911 and the helpline's number), and a crisis reply must be complete, so Spanish replies may take three
# segments (201 UCS-2 characters, or 459 GSM-7 septets if written without those letters). Other languages keep
# the GSM-7, two-segment rule.
SMS_SEGMENTS_BY_LANG = {"es": 3}

_URL = re.compile(r"https?://|www\.|\.(?:org|com|net|gov)\b", re.IGNORECASE)


# The SMS arithmetic is the flow validator's (helpline.content.segments); these names are the lexicon's own use.
sms_septets = segments.septets
sms_segments = segments.measure


def sms_limit(lang: str, encoding: str) -> int:
    """The most units (septets or UCS-2 characters) an SMS reply in ``lang`` may take."""
    count = SMS_SEGMENTS_BY_LANG.get(lang, SMS_MAX_SEGMENTS)
    if encoding == "gsm7":
        return 160 if count == 1 else 153 * count
    return 70 if count == 1 else 67 * count



def render_replies(
    reply: Mapping[str, Any],
    keys: tuple,
    where: str,
    languages: tuple[str, ...],
    variables: Mapping[str, str],
    file: str,
    at: Any,
    problems: list[Problem],
) -> dict[str, dict[str, str]]:
    """Validate and render one ``reply`` block (every language, both channels); problems are appended."""
    replies: dict[str, dict[str, str]] = {}
    for lang in languages:
        if lang not in reply:
            problems.append(
                Problem(
                    file,
                    at(*keys),
                    f"{where}: reply has no '{lang}' text (languages: {', '.join(languages)})",
                )
            )
    for lang, by_channel in reply.items():
        if lang not in languages:
            problems.append(
                Problem(
                    file,
                    at(*keys, lang),
                    f"{where}: reply language '{lang}' is not in languages [{', '.join(languages)}]",
                )
            )
        replies[lang] = {}
        for channel in CHANNELS:
            template = by_channel[channel]
            line = at(*keys, lang, channel)
            template_problems = templating.problems(template, variables)
            for message in template_problems:
                problems.append(Problem(file, line, f"{where}: {lang}.{channel} reply: {message}"))
            if template_problems:
                continue
            text = templating.render(template, variables)
            replies[lang][channel] = text
            problems.extend(
                Problem(file, line, f"{where}: {lang}.{channel} reply: {m}")
                for m in reply_problems(channel, template, text, lang)
            )
    return replies


def reply_problems(channel: str, template: str, text: str, lang: str = "en") -> list[str]:
    out = []
    if channel == "sms" and lang in SMS_SEGMENTS_BY_LANG:
        encoding, units, _segments = sms_segments(text)
        limit = sms_limit(lang, encoding)
        if units > limit:
            kind = "GSM-7 characters" if encoding == "gsm7" else "characters (sent as UCS-2: accents)"
            out.append(
                f"{units} {kind} once filled in; at most {limit} fit in "
                f"{SMS_SEGMENTS_BY_LANG[lang]} SMS segments"
            )
    elif channel == "sms":
        septets = sms_septets(text)
        if septets is None:
            bad = "".join(sorted(segments.non_gsm_chars(text)))
            out.append(f"characters {bad!r} are not GSM-7 (use plain ASCII quotes and dashes)")
        elif septets > SMS_MAX_SEPTETS:
            out.append(
                f"{septets} characters once filled in; at most {SMS_MAX_SEPTETS} fit in two SMS segments"
            )
    else:
        if _URL.search(template):
            out.append("a voice reply cannot contain a web address")
        if re.search(r"\d{3}", template):
            out.append(
                "write numbers as words in a voice reply ('nine eight eight'), so they are read out clearly"
            )
    return out
