"""The voice channel: webhook routes, one call turn, and TwiML rendering."""
