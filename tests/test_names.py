"""``expect: name``: what is taken as a name to ask for, and what plainly is not (a sentence, a request, a question)."""

from __future__ import annotations

import pytest

from helpline.engine.nodes import SKIP, name_of


@pytest.mark.parametrize(("text", "name"), [
    ("Sam", "Sam"), ("Sam.", "Sam"), ("Sam Lee", "Sam Lee"), ("Jo Ann", "Jo Ann"),
    ("Maria de la Cruz", "Maria de la Cruz"),
    ("it's Maria", "Maria"), ("my name is Sam Lee", "Sam Lee"), ("my name is Maria de la Cruz", "Maria de la Cruz"),
    ("soy Juan", "Juan"), ("me llamo Ana", "Ana"), ("Al", "Al"),
    ("skip", SKIP), ("SKIP", SKIP), ("omitir", SKIP), ("prefer not", SKIP),
])
def test_names(text: str, name: str) -> None:
    assert name_of(text) == name


@pytest.mark.parametrize("text", [
    "please call me, I want to talk to someone about detox", "can you call me at 5?", "call me",
    "i need help with withdrawal please", "I want someone to call me about detox", "im scared", "what is kratom",
    "quiero que me llamen por la desintoxicación", "necesito ayuda", "yes", "hello", "555-0123",
])
def test_not_names(text: str) -> None:
    assert name_of(text) is None
