"""Every TwiML document the flows can produce on a call, checked for what Twilio accepts and for a way forward;
every answer reachable by keypad and by speech. Pure: no Redis, no HTTP."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpline.channels import failsafe
from helpline.channels.voice import turn as voice_turn
from helpline.channels.voice.twiml import MAX_SILENCES, Context, dial_done, render, speakable, voicemail_done
from helpline.config import Settings, load_settings
from helpline.engine import Flow, NodeType, State, load_flow
from helpline.engine.dialogue import Inbound, Outcome
from helpline.sim.call import twiml_problems
from helpline.understanding.crisis import Lexicon, load_lexicon

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Flow, Lexicon]:
    settings = load_settings(dotenv=None, environ={"HELPLINE_DATA_DIR": str(tmp_path_factory.mktemp("data"))})
    flow = load_flow(ROOT / "flows" / "main.yaml", settings.variables)
    lexicon = load_lexicon(ROOT / "flows" / "crisis.yaml", settings.variables)
    return settings, flow, lexicon


def inputs(flow: Flow, lexicon: Lexicon, state: State) -> Iterator[Inbound]:
    """What a caller might do at ``state``: every key, every option's words, navigation words, nonsense, a name,
    yes and no, and the first phrase of every crisis category."""
    for key in "0123456789*":
        yield Inbound("", "voice", digits=key)
    node = flow.nodes.get(state.node or "")
    for option in node.options if node else ():
        for phrase in option.words.get(state.lang, ())[:1]:
            yield Inbound(phrase.text, "voice")
    for words in ("more", "main menu", "repeat", "operator", "call me", "purple elephant", "Sam", "yes", "no",
                  "how long does withdrawal last"):
        yield Inbound(words, "voice")
    for category in lexicon.categories.values():
        yield Inbound(category.phrases[0], "voice")


def explore(flow: Flow, lexicon: Lexicon, open_now: bool, limit: int = 3000) -> Iterator[tuple[State, Outcome]]:
    """Breadth-first over the states a call can reach (by node, part of an answer, and misses in a row)."""
    start = voice_turn.turn(flow, lexicon, State(), Inbound("", "voice"), open_now=open_now)
    yield State(), start
    seen = {(start.state.node, start.state.part, start.state.misses)}
    queue = deque([start.state])
    while queue and len(seen) < limit:
        state = queue.popleft()
        for inbound in inputs(flow, lexicon, state):
            outcome = voice_turn.turn(flow, lexicon, state, inbound, open_now=open_now)
            yield state, outcome
            key = (outcome.state.node, outcome.state.part, outcome.state.misses)
            if key not in seen:
                seen.add(key)
                queue.append(outcome.state)


def documents(settings: Settings, flow: Flow, lexicon: Lexicon) -> Iterator[tuple[str, str]]:
    for open_now in (True, False):
        ctx = Context(settings, flow, lexicon, open_now)
        for before, outcome in explore(flow, lexicon, open_now):
            where = f"{before.node}->{outcome.state.node} ({outcome.path}, open={open_now})"
            yield where, str(render(outcome, ctx))
            for silence in (1, MAX_SILENCES + 1):
                new_state, actions = voice_turn.prompt(flow, outcome.state)
                yield f"silence at {where}", str(render(Outcome(new_state, actions), ctx, silence=silence))
        state = State(node=flow.crisis, turns=3)
        new_state, actions = voice_turn.prompt(flow, state)
        for to in ("crisis", "admissions"):
            for answered in (True, False):
                yield f"dial-done {to} {answered}", str(dial_done(ctx, new_state, actions, to, answered))
        yield "voicemail done", str(voicemail_done(ctx))
    for speech in ("", "i want to kill myself", "he took too much"):
        yield f"fail-safe {speech!r}", failsafe.voice_twiml(settings, lexicon, speech)


def test_every_document_the_flows_can_produce_is_twiml_twilio_accepts_with_a_way_forward(content) -> None:  # type: ignore[no-untyped-def]
    settings, flow, lexicon = content
    checked, failures = 0, []
    for where, text in documents(settings, flow, lexicon):
        problems = twiml_problems(ET.fromstring(text))
        checked += 1
        if problems:
            failures.append(f"{where}: {problems}\n{text}")
    assert checked > 1000
    assert not failures, "\n\n".join(failures[:5])


def test_the_same_with_public_url_every_action_url_is_absolute(content, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _, flow, lexicon = content
    settings = load_settings({"PUBLIC_URL": "https://helpline.example.org", "HELPLINE_DATA_DIR": str(tmp_path)},
                             environ={}, dotenv=None)
    ctx = Context(settings, flow, lexicon, True)
    for _, outcome in list(explore(flow, lexicon, True))[:300]:
        root = ET.fromstring(str(render(outcome, ctx)))
        urls = [e.get("action") for e in root.iter() if e.get("action")]
        urls += [e.text for e in root.iter("Redirect")]
        assert urls and all(u and u.startswith("https://helpline.example.org/voice/") for u in urls)


def reachable(flow: Flow, lexicon: Lexicon, by: str) -> set[str]:
    start = voice_turn.turn(flow, lexicon, State(), Inbound("", "voice", lang="en")).state
    seen, queue = {start.node}, deque([start])
    while queue:
        state = queue.popleft()
        node = flow.nodes[state.node or flow.start]
        moves = []
        for option in node.options:
            if by == "keys":
                moves.append(Inbound("", "voice", digits=option.key))
            else:
                moves += [Inbound(p.text, "voice") for p in option.words.get("en", ())[:1]]
        for inbound in moves:
            after = voice_turn.turn(flow, lexicon, state, inbound).state
            if after.node and after.node not in seen:
                seen.add(after.node)
                queue.append(after)
    return {n for n in seen if n}


def test_every_answer_is_reachable_by_keypad(content) -> None:  # type: ignore[no-untyped-def]
    _, flow, lexicon = content
    answers = {n.id for n in flow.nodes.values() if n.type is NodeType.ANSWER}
    assert answers <= reachable(flow, lexicon, "keys")


def test_every_answer_is_reachable_by_speech_through_the_menus_and_in_own_words(content) -> None:  # type: ignore[no-untyped-def]
    _, flow, lexicon = content
    answers = {n.id for n in flow.nodes.values() if n.type is NodeType.ANSWER}
    assert answers <= reachable(flow, lexicon, "words")
    start = voice_turn.turn(flow, lexicon, State(), Inbound("", "voice", lang="en")).state
    for node_id in answers:
        calm = [p for p in flow.nodes[node_id].match["en"] if not lexicon.screen(p.text).crisis]  # "overdose signs"
        phrase = max(calm, key=lambda p: len(p.words)).text
        state = voice_turn.turn(flow, lexicon, start, Inbound(f"tell me about {phrase}", "voice")).state
        found = state.node
        # "how much" is the cost or a dose: asking which of the two is a right answer too
        assert (found == node_id or flow.nodes[found or ""].type is NodeType.ANSWER
                or node_id in state.choices), (node_id, phrase, found)


def test_every_voice_text_says_press_or_say_never_reply(content) -> None:  # type: ignore[no-untyped-def]
    _, flow, _ = content
    for node in flow.nodes.values():
        for text in [node.text, node.retry, *node.more]:
            if text is not None:
                voice = text.get("en", "voice")
                for word in ("Reply", "MENU", "CALL ME", "text us"):
                    assert word not in voice, (node.id, voice)


def test_global_keys_never_clash_with_a_menu_option(content) -> None:  # type: ignore[no-untyped-def]
    _, flow, _ = content
    for node in flow.nodes.values():
        keys = {o.key for o in node.options}
        assert not keys & {voice_turn.PERSON_KEY, voice_turn.REPEAT_KEY, voice_turn.MENU_KEY}, node.id


@pytest.mark.parametrize(("text", "spoken"), [
    ("call or text 988", "call or text 9 8 8"),
    ("Poison Control: 1-800-222-1222.", "Poison Control: 1, 8 0 0, 2 2 2, 1 2 2 2."),
    ("call (555) 555-0100 now", "call 5 5 5, 5 5 5, 0 1 0 0 now"),
    ("starts 8 to 24 hours after, 1-3 days, press 1", "starts 8 to 24 hours after, 1-3 days, press 1"),
])
def test_numbers_are_read_digit_by_digit(text: str, spoken: str) -> None:
    assert speakable(text) == spoken


@pytest.mark.parametrize(("twiml", "problem"), [
    ("<Response/>", "empty"),
    ("<Response><Gather input='dtmf' action='/voice/gather'><Dial>1</Dial></Gather><Redirect>/x</Redirect>"
     "</Response>", "may not be inside <Gather>"),
    ("<Response><Gather input='dtmf' action='/voice/gather'><Say>hi</Say></Gather></Response>",
     "not followed by a <Redirect>"),
    ("<Response><Gather input='dtmf' action='voice/gather'><Say>hi</Say></Gather><Redirect>/x</Redirect>"
     "</Response>", "not an absolute or root URL"),
    ("<Response><Say>bye</Say><Hangup/></Response>", "without the emergency numbers"),
    ("<Response><Dial>+15555550100</Dial></Response>", "without an action URL"),
    ("<Response><Say>hello</Say></Response>", "ends with <Say>"),
    ("<Response><Record action='/v'/></Response>", "empty recording"),
])
def test_the_checker_catches_what_twilio_refuses_or_strands_a_caller(twiml: str, problem: str) -> None:
    assert any(problem in p for p in twiml_problems(ET.fromstring(twiml)))
