"""Spanish end to end: detection and ESPAÑOL/ENGLISH on texts, the language kept per number, the choice of
language on a call and the Spanish voice, the staff queue and alerts, settings in both languages, the validator."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from helpline.channels import failsafe
from helpline.channels.voice import routes as voice
from helpline.config import load_settings, spanish_hours
from helpline.content.segments import segments
from helpline.engine import load_flow
from helpline.engine.dialogue import detect_language, switch_word
from helpline.errors import ContentError, SettingsError
from helpline.hours import BusinessHours
from helpline.queue import callbacks, conversations
from helpline.queue.outbound import outbox
from tests.conftest import ROOT, STAFF, Phone
from tests.test_voice import OPEN, caller_for

NUMBER = "+15555550123"


@pytest.fixture
def open_hours(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(voice, "clock", lambda: OPEN)


# -- detection -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "first", "lang"), [
    ("Hola", True, "es"),
    ("ayuda", True, "es"),
    ("necesito ayuda con la abstinencia", True, "es"),
    ("¿cuánto dura?", True, "es"),
    ("tengo mucho dolor", True, "es"),
    ("how long does withdrawal last", True, "en"),
    ("no", True, None),
    ("si", True, None),
    ("1", True, None),
    ("kratom", True, None),
    ("hi", True, None),
    ("no", False, None),
    ("si", False, None),
    ("ok", False, None),
    ("detox", False, None),
    ("help me", False, None),             # Spanish speakers use English words: not enough to switch back
    ("i live in los angeles", True, "en"),
    ("es seguro el kratom", False, "es"),
    ("what is the cost of treatment", False, "en"),
])
def test_the_detector_needs_clear_evidence_and_never_switches_on_one_ambiguous_word(
        text: str, first: bool, lang: str | None) -> None:
    assert detect_language(text, first=first) == lang


@pytest.mark.parametrize(("text", "lang"), [
    ("ESPAÑOL", "es"), ("espanol", "es"), ("Spanish", "es"), ("en español", "es"),
    ("ENGLISH", "en"), ("Inglés", "en"), ("ingles", "en"), ("english please", "en"),
    ("hablo español y necesito ayuda", None),
])
def test_switch_words_are_the_whole_message(text: str, lang: str | None) -> None:
    assert switch_word(text) == lang


# -- texts -----------------------------------------------------------------------------------------------------------
def test_a_spanish_first_text_is_answered_in_spanish_and_the_number_remembers_it(phone: Phone, conn) -> None:  # type: ignore[no-untyped-def]
    [greeting] = phone.text("Hola, necesito información")
    assert "Responda con un número" in greeting and "988, marque 2" in greeting
    assert conn.get(conversations.lang_key(NUMBER)) == b"es"
    assert conn.ttl(conversations.lang_key(NUMBER)) > 30 * 86400  # outlives the conversation (one day)
    conn.delete(conversations.state_key("sms", NUMBER))  # the conversation expired; the language did not
    [again] = phone.text("1")
    assert "Responda con un número" in again  # an ambiguous first message: the remembered language


def test_english_switches_back_and_is_remembered(phone: Phone, conn) -> None:  # type: ignore[no-untyped-def]
    phone.text("hola")
    note, menu = phone.text("ENGLISH")
    assert "continue in English" in note and "Reply with a number" in menu
    assert conn.get(conversations.lang_key(NUMBER)) == b"en"


def test_a_spanish_callback_request_carries_the_language_to_the_queue_and_the_alert(  # type: ignore[no-untyped-def]
        phone: Phone, conn, run_worker) -> None:
    for text in ("quiero hablar con alguien", "Rosa", "mañana temprano", "sí"):
        replies = phone.text(text)
    assert "le llamará lo antes posible" in replies[0]
    [request] = callbacks.load_open(conn)
    assert request.lang == "es" and request.priority == "routine"
    run_worker()
    [alert] = outbox(conn)
    assert alert["to"] == STAFF and "speaks Spanish" in alert["body"]


def test_a_spanish_crisis_message_gets_the_follow_up_in_spanish_and_a_crisis_request(phone: Phone, conn) -> None:  # type: ignore[no-untyped-def]
    replies = phone.text("ya no quiero vivir, necesito ayuda")
    assert replies[-1] == "¿Está a salvo en este momento? Responda SÍ o NO."
    [request] = callbacks.load_open(conn)
    assert request.priority == "crisis" and request.lang == "es"
    assert "Gracias por decírnoslo" in phone.text("sí, estoy bien")[0]


def test_the_staff_queue_shows_the_language_at_the_top_of_the_card(app, settings, phone: Phone, staff_member) -> None:  # type: ignore[no-untyped-def]
    phone.text("ya no quiero vivir")
    Phone(app.test_client(), settings, "+15555550124").text("i want to kill myself")
    page = staff_member.page("/staff")
    assert page.count("badge-lang") == 1 and "Speaks Spanish" in page and 'lang="es"' in page


# -- calls -----------------------------------------------------------------------------------------------------------
def test_a_first_call_chooses_the_language_in_both_voices_then_spanish_is_read_by_the_spanish_voice(  # type: ignore[no-untyped-def]
        app, settings, conn, open_hours) -> None:
    call = caller_for(app, settings)
    assert call.dial() == ["For English, press 1.", "Para español, oprima 2."]
    choice = call.documents[-1]
    says = list(choice[0].iter("Say"))
    assert [(s.get("voice"), s.get("language")) for s in says] == [("Polly.Joanna", "en-US"), ("Polly.Lupe", "es-US")]
    assert choice[0].get("action") == "/voice/gather?step=0"
    said = " ".join(call.press("2"))
    assert "Para kratom, oprima 1 o diga kratom" in said and "9 1 1" in said and "marque 2" in said
    menu = call.documents[-1][0]
    assert menu.get("language") == "es-US" and menu.get("action") == "/voice/gather?step=1"
    assert {s.get("voice") for s in menu.iter("Say")} == {"Polly.Lupe"}
    assert "menú principal" in menu.get("hints", "") and "0 para hablar con una persona" in said
    assert conn.get(conversations.lang_key(NUMBER)) == b"es"
    assert "abstinencia suele empezar" in " ".join(call.say("cuánto dura la abstinencia"))


def test_a_known_number_is_greeted_in_its_language_with_the_other_offered_and_8_switches(  # type: ignore[no-untyped-def]
        app, settings, conn, open_hours) -> None:
    conn.set(conversations.lang_key(NUMBER), "es")
    call = caller_for(app, settings)
    said = call.dial()
    assert said[0] == "For English, press 8." and "Hola, le atiende" in said[1]
    offer = call.documents[-1][0][0]
    assert offer.get("voice") == "Polly.Joanna" and offer.get("language") == "en-US"
    said = " ".join(call.press("8"))
    assert "continue in English" in said and "press 1 or say kratom" in said
    assert call.documents[-1][0].get("language") == "en-US"
    assert conn.get(conversations.lang_key(NUMBER)) == b"en"


def test_saying_espanol_at_the_choice_chooses_and_words_in_spanish_are_the_first_question(  # type: ignore[no-untyped-def]
        app, settings, open_hours) -> None:
    call = caller_for(app, settings)
    call.dial()
    assert "Para kratom, oprima 1" in " ".join(call.say("Español"))
    other = caller_for(app, settings, "+15555550124")
    other.dial()
    assert "abstinencia suele empezar" in " ".join(other.say("¿Cuánto dura la abstinencia?"))


def test_a_crisis_said_at_the_choice_is_answered_at_once_and_dials_the_crisis_line(  # type: ignore[no-untyped-def]
        app, settings, conn, open_hours) -> None:
    call = caller_for(app, settings)
    call.dial()
    call.say("quiero matarme")
    assert call.waiting is not None and call.waiting.tag == "Dial"
    assert callbacks.load_open(conn)[0].priority == "crisis"
    said = " ".join(call.dial_result("failed"))
    assert "¿Está a salvo en este momento?" in said and "el 2 para español" in said


def test_silence_at_the_choice_asks_again_in_both_languages_then_a_person(app, settings, open_hours) -> None:  # type: ignore[no-untyped-def]
    call = caller_for(app, settings)
    call.dial()
    for _ in range(3):
        assert call.silence() == ["For English, press 1.", "Para español, oprima 2."]
    call.silence()
    assert call.waiting is not None and call.waiting.tag == "Dial"


def test_spanish_voicemail_after_hours_and_the_goodbye_are_in_spanish(app, settings, conn, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(voice, "clock", lambda: dt.datetime(2026, 11, 25, 7, 0, tzinfo=dt.UTC))
    conn.set(conversations.lang_key(NUMBER), "es")
    call = caller_for(app, settings)
    call.dial()
    said = " ".join(call.press("0"))
    assert "no está disponible" in said and "lunes a viernes de 8am a 8pm" in said
    said = " ".join(call.leave_message("soy Rosa, llámenme por favor"))
    assert "le devolverá la llamada" in said and "Adiós." in said and "9 1 1" in said
    assert callbacks.load_open(conn)[0].lang == "es"


# -- settings, content, fail-safe --------------------------------------------------------------------------------------
def test_settings_in_both_languages(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings({"ORG_NAME": "Harbor Recovery", "ORG_NAME_ES": "Centro Harbor",
                              "ORG_HOURS_ES": "todos los días de 9am a 9pm", "HELPLINE_DATA_DIR": str(tmp_path)},
                             environ={}, dotenv=None)
    assert settings.variables_in("es")["org_name"] == "Centro Harbor"
    assert settings.variables_in("en")["org_name"] == "Harbor Recovery"
    assert settings.voice_for("es") == ("Polly.Lupe", "es-US")
    flow = load_flow(ROOT / "flows" / "main.yaml", settings.variables)
    assert "Centro Harbor" in flow.nodes["main"].text.get("es", "sms")  # type: ignore[union-attr]
    assert "Harbor Recovery" in flow.nodes["main"].text.get("en", "sms")  # type: ignore[union-attr]
    assert "todos los días" in flow.nodes["callback_request"].text.get("es", "sms")  # type: ignore[union-attr]
    with pytest.raises(SettingsError, match="VOICE_LANGUAGE_ES"):
        load_settings({"VOICE_LANGUAGE_ES": "spanish", "HELPLINE_DATA_DIR": str(tmp_path)}, environ={}, dotenv=None)


def test_spanish_hours_are_written_from_business_hours() -> None:
    def spanish(spec: str) -> str:
        return spanish_hours(BusinessHours.parse(spec, "UTC"))

    assert spanish("mon-fri 08:00-20:00; sat-sun 09:00-17:00") == \
        "lunes a viernes de 8am a 8pm, sábado y domingo de 9am a 5pm"
    assert spanish("mon-sun 00:00-24:00") == "lunes a domingo de medianoche a medianoche"
    assert spanish("sat 10:00-12:00; mon-tue 09:30-17:00; wed 09:30-17:00") == \
        "lunes a miércoles de 9:30am a 5pm, sábado de 10am a mediodía"  # days with the same hours together


def test_the_validator_names_a_text_without_its_spanish_version(tmp_path, settings) -> None:  # type: ignore[no-untyped-def]
    source = (ROOT / "flows" / "main.yaml").read_text()
    broken = source.replace('''      es:
        sms: "Kratom. Responda:''', '''      xx_es_removed:
        sms: "Kratom. Responda:''', 1).replace("xx_es_removed:", "fr:")
    path = tmp_path / "main.yaml"
    path.write_text(broken)
    with pytest.raises(ContentError) as info:
        load_flow(path, settings.variables)
    assert "node 'kratom_menu': text has no 'es' version" in str(info.value)


def test_every_spanish_sms_text_fits_its_budget_and_no_spanish_voice_text_says_reply(settings) -> None:  # type: ignore[no-untyped-def]
    flow = load_flow(ROOT / "flows" / "main.yaml", settings.variables)
    for node in flow.nodes.values():
        for text in [node.text, node.retry, *node.more]:
            if text is None:
                continue
            assert segments(text.get("es", "sms")) <= (5 if node.id == "main" else 4), node.id
            spoken = text.get("es", "voice")
            for word in ("Responda", "LLÁMENME", "MENÚ", "escriba su pregunta"):
                assert word not in spoken, (node.id, spoken)


def test_the_fail_safe_replies_carry_a_spanish_line_and_a_spanish_crisis_reply_leads(settings, app) -> None:  # type: ignore[no-untyped-def]
    text = failsafe.sms_text(settings)
    assert "Español:" in text and "marque 2" in text and "AYUDA" in text
    assert segments(text) <= 3  # still GSM-7: no á, í, ó, ú in it
    lexicon = app.extensions["helpline"].lexicon
    twiml = failsafe.voice_twiml(settings, lexicon, "")
    assert 'voice="Polly.Lupe"' in twiml and 'language="es-US"' in twiml and "marque 2" in twiml


def test_a_voice_transcript_file_in_spanish_is_checked_like_the_english_ones(tmp_path, settings, app) -> None:  # type: ignore[no-untyped-def]
    from helpline.sim import transcripts

    path = tmp_path / "voice_es.yaml"
    path.write_text(textwrap.dedent("""\
        name: a Spanish caller
        channel: voice
        lang: es
        turns:
          - user: ""
            reply: ["Para kratom, oprima 1"]
          - digits: "3"
            reply: ["Desintoxicación y tratamiento"]
        """))
    hl = app.extensions["helpline"]
    assert transcripts.run(transcripts.load(path), hl.flow, hl.lexicon) == []
