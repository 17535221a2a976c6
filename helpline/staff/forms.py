"""The staff pages' forms. Every one carries Flask-WTF's CSRF token; a POST without it is refused."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length

from helpline.queue.callbacks import Outcome

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
    # rendered as a <select> of OUTCOME_LABELS by the template (WTForms' SelectField choices API is in flux)
    outcome = StringField("Outcome", validators=[DataRequired(), AnyOf([o.value for o in Outcome])])
    note = TextAreaField("Note", validators=[Length(max=2000)],
                         render_kw={"rows": 3, "maxlength": 2000,
                                    "placeholder": "What happened, what they need next (no full numbers)"})
