"""Trained models, kept by the hash of what they were trained from: in this process, and on disk when a folder is
given, so a restart with the same content loads in milliseconds and a content change retrains.

The files are pickles written by this process into the helpline's own private data folder (0700); a file whose
name does not carry the expected hash is never read.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import sklearn

log = logging.getLogger(__name__)
T = TypeVar("T")
_MEMORY: dict[str, Any] = {}
FORMAT = "3"  # bump when what is trained changes (shape, or the normaliser: 3, one fold with the crisis lexicon)


def digest(*parts: bytes | str) -> str:
    h = hashlib.sha256(f"{FORMAT}|sklearn {sklearn.__version__}".encode())
    for part in parts:
        h.update(part if isinstance(part, bytes) else part.encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


def default_folder(data_dir: Path | None = None) -> Path | None:
    """Where trained models are kept: ``$HELPLINE_MODEL_CACHE`` when set (tests share one across processes),
    else ``models/`` in the data folder (``data_dir``, or ``$HELPLINE_DATA_DIR``); None: memory only."""
    shared = os.environ.get("HELPLINE_MODEL_CACHE")
    if shared:
        return Path(shared)
    data = data_dir or (Path(os.environ["HELPLINE_DATA_DIR"]) if os.environ.get("HELPLINE_DATA_DIR") else None)
    return data / "models" if data else None


def cached(kind: str, key: str, build: Callable[[], T], folder: Path | None = None) -> T:
    """The model of ``kind`` for ``key``: from memory, from ``folder``, or built (and then kept in both)."""
    name = f"{kind}-{key}"
    if name in _MEMORY:
        return _MEMORY[name]
    path = folder / f"{name}.pickle" if folder else None
    if path is not None and path.is_file():
        try:
            with path.open("rb") as fh:
                model = pickle.load(fh)  # noqa: S301 - our own file, in our own private folder, named by its hash
            _MEMORY[name] = model
            return model
        except Exception as exc:  # noqa: BLE001 - a damaged cache is rebuilt, never fatal
            log.warning("model cache %s unreadable (%s); retraining", path.name, type(exc).__name__)
    log.info("training the %s model (content changed or first start); it is kept for the next start", kind)
    model = build()
    _MEMORY[name] = model
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            with tempfile.NamedTemporaryFile("wb", dir=path.parent, delete=False) as tmp:
                pickle.dump(model, tmp, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp.name, path)
            for old in path.parent.glob(f"{kind}-*.pickle"):  # models of older content are of no further use
                if old != path:
                    old.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("model cache not written (%s): the next start retrains", type(exc).__name__)
    return model
