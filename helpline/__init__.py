"""An SMS and voice helpline for addiction treatment.

Twilio posts each message or call step to the Flask webhooks in :mod:`helpline.channels`; scripted YAML flows
(:mod:`helpline.engine`) answer; every message is screened by
:mod:`helpline.understanding.crisis` first; requests for a person
go to the callback queue (:mod:`helpline.queue.callbacks`), worked by RQ jobs in :mod:`workers`.
"""

__version__ = "0.1.0"
