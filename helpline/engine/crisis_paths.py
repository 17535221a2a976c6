"""Which crisis path a message takes, beyond the screen's category: pure, explainable, no I/O.

The screen says *what* (overdose, suicide, violence...); a counsellor also asks *who*: "my brother is not
breathing" needs a bystander's steps (911, naloxone, on their side), "i took all my pills" needs the person's own
(call 911 now, unlock the door, tell someone near you), and an ingestion with suicidal words needs 988 as well as
911. The flow maps each path to its node (``crisis_paths:`` in ``flows/main.yaml``).
"""

from __future__ import annotations

import re

from helpline.understanding.crisis import Verdict
from helpline.understanding.normalise import normalise

OVERDOSE_SELF = "overdose_self"
SUICIDE_INGESTION = "suicide_ingestion"
# Paths whose flow node says everything: the category's own reply (a bystander's overdose steps) would be wrong.
OWN_REPLY = frozenset({OVERDOSE_SELF, SUICIDE_INGESTION})

_OTHER = re.compile(
    r"\b(?:he|hes|she|shes|they|theyre|him|her|them|his|someone|somebody|friend|el|ella|alguien|"
    r"my (?:brother|sister|son|daughter|friend|mom|mother|dad|father|husband|wife|boyfriend|girlfriend|partner|"
    r"kid|child|baby|roommate|cousin|uncle|aunt|grandma|grandpa|nephew|niece|bf|gf)|"
    r"mi (?:hermano|hermana|hijo|hija|amigo|amiga|esposo|esposa|novio|novia|mama|papa|pareja|primo|prima|tio|"
    r"tia|bebe|nieto|nieta)|se tomo|no respira|tomo)\b")
_SELF = re.compile(
    r"\b(?:i|im|ive|me|myself|my pills|my meds|yo)\b|"
    r"\b(?:tome|me tome|trague|me trague|me meti|me inyecte|me pase|estoy teniendo|tengo una sobredosis|"
    r"me estoy muriendo|me siento)\b")


def first_person(text: str) -> bool:
    """True when the message is about the writer ("i took too many", "me tomé todas"), not someone else."""
    folded = normalise(text)
    return bool(_SELF.search(folded)) and not _OTHER.search(folded)


def path_of(verdict: Verdict, text: str) -> str | None:
    """The crisis path for a screened message: ``suicide_ingestion``, ``overdose_self``, or the category."""
    if not verdict.crisis or verdict.category is None:
        return None
    categories = {m.category for m in verdict.matches} | {verdict.category}
    if {"overdose", "suicide"} <= categories:
        return SUICIDE_INGESTION
    if verdict.category == "overdose" and first_person(text):
        return OVERDOSE_SELF
    return verdict.category


def label(path: str | None, category: str | None) -> str:
    """How the request's reason names it for staff: "overdose (the person themselves)"."""
    if path == OVERDOSE_SELF:
        return "overdose (the person themselves)"
    if path == SUICIDE_INGESTION:
        return "overdose + suicide (took something, suicidal words)"
    return category or "unknown"
