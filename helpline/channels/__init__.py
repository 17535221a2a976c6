"""The Twilio channels: the SMS and voice webhooks, TwiML, the fail-safe reply and the outage journal."""
