"""The helpline's WSGI app plus a bare endpoint for the load benchmark's baseline.

``/baseline`` returns a fixed TwiML reply with no signature check, Redis, screen or flow: what the same gunicorn
server does when the helpline does nothing. Used only by bench/webhook_load.py, never deployed.
"""

from flask import Response

from helpline.app import create_app

app = create_app()
FIXED = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Hello</Message></Response>'


@app.post("/baseline")
def baseline() -> Response:
    return Response(FIXED, mimetype="application/xml")
