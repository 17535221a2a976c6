"""Understanding what people write: one normaliser, topic routing from examples, the crisis model, evaluation.

Pure: no Flask, no Redis, no Twilio. Models are scikit-learn pipelines trained from the content in ``flows/``
(deterministic, cached by the content's hash); see docs/understanding.md for how each is measured.
"""
