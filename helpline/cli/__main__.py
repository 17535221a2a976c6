"""``python -m helpline.cli``: the same as the ``helpline`` command (the demo starts its children this way)."""

from helpline.cli import main

main()
