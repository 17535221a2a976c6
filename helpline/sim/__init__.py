"""Running conversations without Twilio: the chat and call simulators, transcripts, the content
check, a fake Twilio REST API."""
