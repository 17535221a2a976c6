"""The crisis screen: the lexicon of rules, the trained second opinion, and their evaluation."""
