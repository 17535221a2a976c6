"""The Twilio edge: webhook signature checks and TwiML replies, both with twilio's own library."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from typing import Any

from flask import Request, Response, current_app, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from helpline.config import Settings

log = logging.getLogger(__name__)
TWIML = "application/xml"


def public_url(settings: Settings, req: Request) -> str:
    """The URL Twilio signed: ``PUBLIC_URL`` plus path and query when behind a proxy, else the URL as received."""
    if not settings.public_url:
        return req.url
    query = req.query_string.decode("latin-1")
    return settings.public_url + req.path + (f"?{query}" if query else "")


def signature_ok(settings: Settings, req: Request) -> bool:
    signature = req.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    validator = RequestValidator(settings.signing_token)
    return validator.validate(public_url(settings, req), req.form, signature)


def twilio_signed(view: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse (403, no TwiML) a request without a valid ``X-Twilio-Signature``, unless the check is turned off."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        settings: Settings = current_app.extensions["helpline"].settings
        if settings.signature_check and not signature_ok(settings, request):
            log.warning("refused %s %s: missing or invalid X-Twilio-Signature", request.method, request.path)
            return Response("Forbidden: invalid Twilio signature\n", status=403, mimetype="text/plain")
        return view(*args, **kwargs)

    return wrapped


def sms_reply(texts: Sequence[str]) -> Response:
    """A ``<Response>`` with one ``<Message>`` per text (none: an empty response, which sends nothing)."""
    twiml = MessagingResponse()
    for text in texts:
        twiml.message(text)
    return Response(str(twiml), status=200, mimetype=TWIML)
