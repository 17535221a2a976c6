"""The outage journal: what a webhook could not store (Redis down, a timeout, a bug) waits here on local disk.

One file per event under ``HELPLINE_DATA_DIR/journal/``: written to a temporary name, fsync'd, renamed into
place and the folder fsync'd, so an entry survives a crash the moment the webhook has answered; files are 0600
in a 0700 folder (they hold a phone number and what was written); an entry is deleted once it has been
replayed. :mod:`helpline.channels.replay` carries entries into Redis when it answers again. The entry names its
sid, so a
replay is idempotent: the sid dedupe that guards webhooks guards replays too.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
FILE_MODE = 0o600
DIR_MODE = 0o700
_SAFE = re.compile(r"[^A-Za-z0-9_-]")


@dataclass
class Entry:
    """One event that did not reach Redis."""

    channel: str  # sms or voice
    number: str
    sid: str  # the dedupe key: a MessageSid, or CallSid:step
    kind: str = "message"  # message (sms), step, voicemail, transfer-failed (voice)
    body: str = ""
    session: str | None = None  # a call's CallSid
    crisis: bool = False
    category: str | None = None
    severity: str | None = None
    lang: str | None = None
    at: float = field(default_factory=time.time)
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, raw: str) -> Entry:
        data: dict[str, Any] = json.loads(raw)
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


class Journal:
    """The journal folder. Safe to share between processes: names are unique, writes are atomic renames."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def _ensure(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
        os.chmod(self.folder, DIR_MODE)

    def append(self, entry: Entry) -> Path:
        """Write ``entry`` durably; returns its path. Raises OSError when the disk refuses."""
        self._ensure()
        name = f"{int(entry.at * 1000):014d}-{_SAFE.sub('_', entry.sid)[:80]}-{os.getpid()}"
        final = self.folder / f"{name}.json"
        tmp = self.folder / f".{name}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        try:
            os.write(fd, json.dumps(asdict(entry), separators=(",", ":")).encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, final)
        self._sync_folder()
        return final

    def entries(self) -> list[tuple[Path, Entry]]:
        """Waiting entries, oldest first (a crisis and a request are replayed in the order they came)."""
        if not self.folder.is_dir():
            return []
        out = []
        for path in sorted(self.folder.glob("*.json")):
            try:
                out.append((path, Entry.from_json(path.read_text(encoding="utf-8"))))
            except FileNotFoundError:  # another process replayed it meanwhile
                continue
            except (ValueError, TypeError) as exc:
                log.error("journal entry %s is unreadable (%s): left for an operator", path.name,
                          type(exc).__name__)
        return out

    def remove(self, path: Path) -> None:
        try:
            path.unlink()
        except FileNotFoundError:
            return
        self._sync_folder()

    def count(self) -> int:
        return len(list(self.folder.glob("*.json"))) if self.folder.is_dir() else 0

    def _sync_folder(self) -> None:
        fd = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
