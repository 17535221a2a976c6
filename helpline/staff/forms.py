"""The staff pages' forms. Every one carries Flask-WTF's CSRF token; a POST without it is refused."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from helpline.callbacks import Outcome

OUTCOME_LABELS = {
    Outcome.REACHED: "Reached them",
    Outcome.VOICEMAIL: "Left a voicemail",
    Outcome.NO_ANSWER: "No answer (back to the queue)",
    Outcome.WRONG_NUMBER: "Wrong number",
    Outcome.REFERRED: "Referred elsewhere",
    Outcome.ADMITTED: "Admission booked",
}


class LoginForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=64)],
                       render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"})
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)],
                             render_kw={"autocomplete": "current-password"})


class ActionForm(FlaskForm):
    """Claim, release, log out, call: nothing to fill in but the CSRF token."""


class CompleteForm(FlaskForm):
    outcome = SelectField("Outcome", choices=[(o.value, label) for o, label in OUTCOME_LABELS.items()],
                          validators=[DataRequired()])
    note = TextAreaField("Note", validators=[Length(max=2000)],
                         render_kw={"rows": 3, "maxlength": 2000,
                                    "placeholder": "What happened, what they need next (no full numbers)"})
