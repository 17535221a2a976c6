"""The JSON schema of ``flows/crisis.yaml``: what :func:`~helpline.understanding.crisis.loading.load_lexicon`
checks before it builds anything (a problem names the file, line and node)."""

from __future__ import annotations

from typing import Any

from helpline.understanding.crisis.replies import CHANNELS
from helpline.understanding.crisis.verdict import IGNORE_REASONS, SEVERITIES

_STRINGS = {"type": "array", "items": {"type": "string", "minLength": 1}}
_WORD_MAP = {"type": "object", "additionalProperties": {"type": "string", "minLength": 1}}
_REPLY = {
    "type": "object",
    "minProperties": 1,
    "additionalProperties": {
        "type": "object",
        "required": list(CHANNELS),
        "additionalProperties": False,
        "properties": {ch: {"type": "string", "minLength": 1} for ch in CHANNELS},
    },
}

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["languages", "categories"],
    "additionalProperties": False,
    "properties": {
        "languages": {
            "type": "array",
            "minItems": 1,
            "uniqueItems": True,
            "items": {"type": "string", "pattern": "^[a-z]{2}$"},
        },
        "model": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "threshold": {"type": "number", "minimum": 0.05, "maximum": 0.99},
                "overrule": {"type": "number", "minimum": 0.05, "maximum": 1.0},
            },
        },
        "contractions": _WORD_MAP,
        "slang": _WORD_MAP,
        "fillers": _STRINGS,
        "fuzzy": _STRINGS,
        "not_fuzzy": _STRINGS,
        "context": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                k: _STRINGS
                for k in (
                    "negation",
                    "negation_adjacent",
                    "bridge",
                    "subjects",
                    "reporting",
                    "specific",
                    "question",
                    "question_after",
                    "past",
                    "past_patterns",
                    "recurrence",
                    "past_tense",
                    "past_endings",
                    "determiners",
                    "clause_breaks",
                )
            },
        },
        "categories": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"pattern": "^[a-z][a-z0-9_]*$"},
            "additionalProperties": {
                "type": "object",
                "required": ["severity", "reply"],
                "additionalProperties": False,
                "properties": {
                    "description": {"type": "string"},
                    "severity": {"enum": list(SEVERITIES)},
                    "ignore_when": {
                        "type": "array",
                        "uniqueItems": True,
                        "items": {"enum": list(IGNORE_REASONS)},
                    },
                    "phrases": _STRINGS,
                    "slang": _STRINGS,
                    "patterns": {
                        "type": "object",
                        "propertyNames": {"pattern": "^[a-z][a-z0-9_]*$"},
                        "additionalProperties": {"type": "string", "minLength": 1},
                    },
                    "benign": _STRINGS,
                    "firm": _STRINGS,
                    "concern": {
                        "type": "object",
                        "required": ["reply"],
                        "additionalProperties": False,
                        "properties": {
                            "description": {"type": "string"},
                            "phrases": _STRINGS,
                            "patterns": {
                                "type": "object",
                                "propertyNames": {"pattern": "^[a-z][a-z0-9_]*$"},
                                "additionalProperties": {"type": "string", "minLength": 1},
                            },
                            "benign": _STRINGS,
                            "reply": _REPLY,
                        },
                    },
                    "reply": _REPLY,
                },
            },
        },
    },
}
