"""The JSON Schema a flow file must meet, checked before the cross-checks in :mod:`helpline.engine.loader`."""

from __future__ import annotations

from typing import Any

ID = {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}
LANG_TEXT = {
    "oneOf": [
        {"type": "string", "minLength": 1},
        {
            "type": "object",
            "properties": {"sms": {"type": "string", "minLength": 1}, "voice": {"type": "string", "minLength": 1}},
            "required": ["sms"],
            "additionalProperties": False,
        },
    ]
}
TEXT = {
    "type": "object",
    "minProperties": 1,
    "propertyNames": {"pattern": "^[a-z]{2}$"},
    "additionalProperties": LANG_TEXT,
}
PHRASES = {
    "oneOf": [
        {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
        {
            "type": "object",
            "propertyNames": {"pattern": "^[a-z]{2}$"},
            "additionalProperties": {"type": "array", "items": {"type": "string", "minLength": 1}},
        },
    ]
}
OPTION = {
    "type": "object",
    "properties": {"key": {"type": ["string", "integer"]}, "words": PHRASES, "goto": ID},
    "required": ["key", "goto"],
    "additionalProperties": False,
}
REVIEW = {
    "type": "object",
    "properties": {
        "sources": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
        "reviewed_by": {"type": "string", "minLength": 1},
        "reviewed_on": {},  # a date; YAML may hand it over as a date object, checked in the loader
    },
    "required": ["sources", "reviewed_by", "reviewed_on"],
    "additionalProperties": False,
}
BY_LANGUAGE_SEGMENTS = {  # e.g. {es: 4}: a language whose accents send texts as UCS-2 gets its own SMS budget
    "type": "object",
    "propertyNames": {"pattern": "^[a-z]{2}$"},
    "additionalProperties": {"type": "integer", "minimum": 1, "maximum": 10},
}
# Examples per language for the topic router: real phrasings, one a line (helpline/understanding/topics.py).
EXAMPLES = {
    "type": "object",
    "propertyNames": {"pattern": "^[a-z]{2}$"},
    "additionalProperties": {"type": "array", "items": {"type": "string", "minLength": 1}},
}
TITLE = {  # a topic's short name per language, for "Did you mean 1 ... or 2 ...?"
    "type": "object",
    "propertyNames": {"pattern": "^[a-z]{2}$"},
    "additionalProperties": {"type": "string", "minLength": 1, "maxLength": 60},
}
COMMON = {
    "type": {"enum": ["menu", "answer", "question", "callback", "handoff", "end"]},
    "text": TEXT,
    "match": PHRASES,
    "retry": TEXT,
    "max_segments": {"type": "integer", "minimum": 1, "maximum": 10},
    "max_segments_by_language": BY_LANGUAGE_SEGMENTS,
    "note": {"type": "string"},
    "hold": {"type": "boolean"},
}
NODE_KINDS: dict[str, dict[str, Any]] = {
    "menu": {"required": ["text", "options"], "props": {"options": {"type": "array", "items": OPTION, "minItems": 1}}},
    "answer": {
        "required": ["text", "review"],
        "props": {
            "review": REVIEW,
            "more": {"type": "array", "items": TEXT},
            "options": {"type": "array", "items": OPTION},
            "topic": {"type": "string"},
            "title": TITLE,
            "examples": EXAMPLES,
        },
    },
    "question": {
        "required": ["text", "save_as"],
        "props": {
            "save_as": ID,
            "expect": {"enum": ["text", "yes_no", "number", "phone", "name"]},
            "request": {
                "type": "object",
                "properties": {"reason": {"type": "string", "minLength": 1},
                               "priority": {"enum": ["crisis", "urgent", "routine"]}},
                "required": ["reason"],
                "additionalProperties": False,
            },
            "pattern": {"type": "string"},
            "retries": {"type": "integer", "minimum": 0, "maximum": 5},
            "goto": ID,
            "branches": {"type": "object", "propertyNames": {"enum": ["yes", "no"]}, "additionalProperties": ID},
            "on_fail": ID,
        },
    },
    "callback": {
        "required": ["text", "reason"],
        "props": {
            "reason": {"type": "string", "minLength": 1},
            "priority": {"enum": ["crisis", "urgent", "routine"]},
            "goto": ID,
            "options": {"type": "array", "items": OPTION},
        },
    },
    "handoff": {"required": ["text"], "props": {"goto": ID, "options": {"type": "array", "items": OPTION}}},
    "end": {"required": ["text"], "props": {}},
}


def _node_schema() -> dict[str, Any]:
    branches = []
    for kind, spec in NODE_KINDS.items():
        props = {**COMMON, **spec["props"]}
        branches.append({
            "if": {"properties": {"type": {"const": kind}}, "required": ["type"]},
            "then": {"properties": props, "required": spec["required"], "additionalProperties": False},
        })
    return {"type": "object", "required": ["type"], "properties": {"type": COMMON["type"]}, "allOf": branches}


FLOW_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "flow": ID,
        "languages": {"type": "array", "items": {"type": "string", "pattern": "^[a-z]{2}$"}, "minItems": 1},
        "start": ID,
        "person": ID,
        "help": ID,
        "fallback": ID,
        "crisis": ID,
        "crisis_paths": {"type": "object", "propertyNames": ID, "additionalProperties": ID},
        "lifeline": ID,
        "max_misses": {"type": "integer", "minimum": 1, "maximum": 5},
        "max_segments": {"type": "integer", "minimum": 1, "maximum": 10},
        "max_segments_by_language": BY_LANGUAGE_SEGMENTS,
        "keywords": {
            "type": "object",
            "properties": {k: PHRASES for k in ("menu", "back", "help", "more", "person", "lifeline")},
            "required": ["menu", "back", "help", "more", "person"],
            "additionalProperties": False,
        },
        "messages": {
            "type": "object",
            "properties": {"no_match": TEXT},
            "required": ["no_match"],
            "additionalProperties": TEXT,
        },
        "intents": {  # what people ask for that is not an answer node: a person; none of the topics
            "type": "object",
            "properties": {
                name: {"type": "object", "properties": {"examples": EXAMPLES}, "required": ["examples"],
                       "additionalProperties": False}
                for name in ("person", "none")
            },
            "additionalProperties": False,
        },
        "routing": {  # the topic router's policy (helpline/understanding/topics.py: Policy)
            "type": "object",
            "properties": {
                "confident": {"type": "number", "minimum": 0.05, "maximum": 0.99},
                "close": {"type": "number", "minimum": 0.01, "maximum": 0.9},
                "context_boost": {"type": "number", "minimum": 1, "maximum": 20},
                "one_word": {"type": "number", "minimum": 0.05, "maximum": 0.99},
            },
            "additionalProperties": False,
        },
        "min_examples": {"type": "integer", "minimum": 0, "maximum": 1000},
        "synonyms": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string", "minLength": 1}},
        },
        "nodes": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": ID,
            "additionalProperties": _node_schema(),
        },
    },
    "required": ["flow", "languages", "start", "person", "help", "fallback", "crisis", "keywords", "messages", "nodes"],
    "additionalProperties": False,
}
