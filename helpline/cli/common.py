"""What the commands share: the settings, the content, and the Redis a command talks to.

Every failure here that a user can fix (a bad setting, invalid content, no Redis to be had) is a message naming it
and exit status 1, never a stack trace.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from helpline.config import Settings, load_settings
from helpline.errors import ContentError, HelplineError

if TYPE_CHECKING:
    from helpline.engine.model import Flow
    from helpline.understanding.crisis import Lexicon


def read_settings() -> Settings:
    """The settings from the environment and .env; a bad one is named and the command exits 1."""
    try:
        return load_settings()
    except HelplineError as exc:
        raise click.ClickException(str(exc)) from None


def read_content(settings: Settings, failing: str = "") -> tuple[Flow, Lexicon]:
    """The flow and the crisis lexicon; invalid content is listed (after ``failing``) and the command exits 1."""
    from helpline.app import load_content

    try:
        return load_content(settings)
    except ContentError as exc:
        raise click.ClickException(f"{failing}{exc}") from None


@contextmanager
def local_redis(settings: Settings) -> Iterator[str]:
    """The Redis URL for a command: ``REDIS_URL``, else the embedded server in the data folder, started for this
    command when none runs there and stopped again (its AOF written) when the block ends, however it ends."""
    from helpline.redisdb import ensure_url

    try:
        url, started = ensure_url(settings.redis_url, settings.data_dir)
    except HelplineError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        yield url
    finally:
        if started:
            started.stop()
