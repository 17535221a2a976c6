"""The crisis screen: the lexicon of rules, the trained second opinion, and their evaluation.

The public API, imported from here by every caller::

    from helpline.understanding.crisis import NO_CRISIS, Lexicon, Verdict, build_lexicon, load_lexicon

The modules, in the order a message meets them:

- ``lexicon``: :class:`Lexicon`, a loaded lexicon: ``screen`` (rules, then the model), ``reply``.
- ``loading``: ``load_lexicon`` / ``build_lexicon``, from ``flows/crisis.yaml``; ``schema``: its JSON schema;
  ``replies``: each category's replies rendered and checked (SMS segments, voice).
- ``engine``: the compiled lexicon, which ``reading`` (words: leetspeak, slang, spacing, misspellings; on
  ``text``'s folding and tokens), ``phrases`` (the automaton and patterns) and ``context`` (negation, questions,
  past, benign words) make up.
- ``verdict``: what the screen answers (``Verdict``, ``Match``) and a ``Category``.
- ``model``: the trained second opinion; ``evaluate``: recall and false alarms; ``stream``: ``helpline crisis
  check``.
"""

from helpline.understanding.crisis.lexicon import Lexicon
from helpline.understanding.crisis.loading import build_lexicon, load_lexicon
from helpline.understanding.crisis.verdict import NO_CRISIS, Verdict

__all__ = ["NO_CRISIS", "Lexicon", "Verdict", "build_lexicon", "load_lexicon"]
