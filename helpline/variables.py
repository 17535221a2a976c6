"""The content variables: the settings a text in the flow may use (``{org_phone}``, ``{org_walk_in}``...),
written for reading, in English and in Spanish (``name_es`` is ``{name}`` in Spanish texts)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from helpline.hours import spanish_hours
from helpline.phones import display_number, line_text

if TYPE_CHECKING:
    from helpline.config import Settings

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


def content_variables(settings: Settings) -> dict[str, str]:
    """The variables for ``settings``; the flow loader applies the ``_es`` ones to Spanish texts."""
    org_hours_es = settings.org_hours_es or spanish_hours(settings.hours)
    return {
        "org_name": settings.org_name,
        "org_phone": display_number(settings.org_phone, settings.default_region),
        "org_hours": settings.org_hours,
        "helpline_number": display_number(settings.helpline_number, settings.default_region),
        "org_name_es": settings.org_name_es or settings.org_name,
        "org_hours_es": org_hours_es,
        "org_address": settings.org_address,
        "org_open_hours": settings.org_open_hours or settings.org_hours,
        # ORG_OPEN_HOURS set on its own is used as it is: a mixed-language text beats a wrong one
        "org_open_hours_es": settings.org_open_hours_es or settings.org_open_hours or org_hours_es,
        "org_walk_in": WALK_IN_TEXT[settings.org_walk_ins]["en"],
        "org_walk_in_es": WALK_IN_TEXT[settings.org_walk_ins]["es"],
        "org_minors": MINORS_TEXT[settings.org_admits_minors]["en"],
        "org_minors_es": MINORS_TEXT[settings.org_admits_minors]["es"],
        "crisis_line": line_text(settings.crisis_line, settings.default_region),
        "overdose_line": line_text(settings.overdose_line, settings.default_region),
        "emergency_number": settings.emergency_number,
    }


def variables_in(variables: Mapping[str, str], lang: str, languages: Iterable[str] = ("en", "es")) -> dict[str, str]:
    """The variables a text in ``lang`` sees: ``name_<lang>`` (e.g. ``org_hours_es``) stands in for ``name`` and
    is not a name of its own; every language suffix is hidden from templates. Settings and flows both read
    their variables through this."""
    suffixes = tuple(f"_{code}" for code in languages)
    out = {k: v for k, v in variables.items()
           if not (k.endswith(suffixes) and k.rsplit("_", 1)[0] in variables)}
    for key, value in variables.items():
        base = key[: -len(lang) - 1]
        if key.endswith(f"_{lang}") and base in variables and value:
            out[base] = value
    return out
