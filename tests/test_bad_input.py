"""Whatever arrives at the webhooks (random bodies, Unicode, missing and extra fields, huge values, invalid UTF-8,
wrong content types, forged or replayed signatures), the answer is valid TwiML, 400, 403 or 413: never a 500 and
never a traceback."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from tests.conftest import Phone

OK_STATUSES = {200, 204, 400, 403, 413}
TWILIO_FIELDS = ["MessageSid", "SmsSid", "AccountSid", "MessagingServiceSid", "From", "To", "Body", "NumMedia",
                 "NumSegments", "OptOutType", "FromCity", "FromState", "FromZip", "FromCountry", "ApiVersion",
                 "MediaUrl0", "MediaContentType0", "ReferralNumMedia"]
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)
values = st.one_of(text, st.sampled_from(["", "+15555550123", "SM" + "a" * 32, "STOP", "START", "HELP", "0",
                                          "1" * 5000, "<Response><Dial>911</Dial></Response>", "{org_phone}",
                                          "i want to kill myself", "\u202e\u0000\ufeff"]))
forms = st.dictionaries(st.one_of(st.sampled_from(TWILIO_FIELDS), text.filter(bool)), values, max_size=12)
SLOW = hsettings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def check(response) -> None:  # type: ignore[no-untyped-def]
    body = response.get_data(as_text=True)
    assert response.status_code in OK_STATUSES, (response.status_code, body[:300])
    assert "Traceback" not in body and "File \"" not in body
    if response.status_code == 200:
        root = ET.fromstring(body)
        assert root.tag == "Response"
        assert all(child.tag == "Message" for child in root)


@SLOW
@given(form=forms)
def test_signed_random_forms_never_break_the_webhook(client, settings, form) -> None:  # type: ignore[no-untyped-def]
    phone = Phone(client, settings)
    response = client.post("/sms", data=form, headers={"X-Twilio-Signature": phone.texter.sign(form)})
    check(response)


@SLOW
@given(form=forms, signature=st.one_of(st.just(""), st.text(st.characters(blacklist_categories=("Cs", "Cc")),
                                                           max_size=80)))
def test_unsigned_or_forged_requests_are_refused(client, settings, form, signature) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/sms", data=form, headers={"X-Twilio-Signature": signature})
    assert response.status_code in (403, 400, 413)
    assert "<Response" not in response.get_data(as_text=True)


@SLOW
@given(raw=st.binary(max_size=2000), content_type=st.sampled_from([
    "application/x-www-form-urlencoded", "application/json", "text/plain", "multipart/form-data; boundary=x",
    "application/x-www-form-urlencoded; charset=latin-1", "", "application/xml"]))
def test_raw_bytes_and_wrong_content_types(client, settings, raw, content_type) -> None:  # type: ignore[no-untyped-def]
    for path in ("/sms", "/sms/status"):
        response = client.post(path, data=raw, headers={"Content-Type": content_type, "X-Twilio-Signature": "x"})
        check(response)


def test_a_signed_request_with_invalid_utf8_is_answered(client, settings) -> None:  # type: ignore[no-untyped-def]
    phone = Phone(client, settings)
    params = phone.texter.params("placeholder")
    raw = "&".join(f"{k}={v}" for k, v in params.items() if k != "Body").replace("+", "%2B")
    raw += "&Body=%ff%fe%80abc"
    response = client.post("/sms", data=raw, content_type="application/x-www-form-urlencoded",
                           headers={"X-Twilio-Signature": "forged"})
    check(response)


def test_a_replayed_signature_on_a_changed_body_is_refused(client, settings) -> None:  # type: ignore[no-untyped-def]
    phone = Phone(client, settings)
    params = phone.texter.params("hi")
    signature = phone.texter.sign(params)
    assert client.post("/sms", data=params, headers={"X-Twilio-Signature": signature}).status_code == 200
    params["Body"] = "call me"
    assert client.post("/sms", data=params, headers={"X-Twilio-Signature": signature}).status_code == 403


def test_a_replayed_request_changes_nothing(phone, conn) -> None:  # type: ignore[no-untyped-def]
    sid = "SM" + "b" * 32
    first = phone.text("call me", sid=sid)
    for _ in range(3):
        assert phone.text("call me", sid=sid) == first
    assert phone.text("Sam")[0].startswith("Thanks")  # the conversation moved on once, not four times


def test_other_methods_and_paths_get_plain_errors(client) -> None:  # type: ignore[no-untyped-def]
    for method, path, status in (("get", "/sms", 405), ("put", "/sms", 405), ("get", "/nope", 404)):
        response = getattr(client, method)(path)
        assert response.status_code == status
        assert "Traceback" not in response.get_data(as_text=True)
