"""What the tests ask the stand-in to do (``POST /control/``): kept in this process's memory.

Keys: ``audience`` and ``issuer`` (put in the id_token instead of the right ones),
``id_token_ttl`` (seconds from now to the id_token's ``exp``: negative for an expired one),
``nonce`` (a stale nonce instead of the one asked for), ``bad_signature`` (the id_token signed
by another key than the published one, under the same key id), ``token_down`` and ``down``
(the token endpoint, or every OAuth endpoint, answers 503). An empty object puts everything
back.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

KEYS = ("audience", "issuer", "id_token_ttl", "nonce", "bad_signature", "token_down", "down")
_lock = threading.Lock()
_config: dict[str, Any] = {}
_seen: deque[dict[str, str]] = deque(maxlen=50)


def current() -> dict[str, Any]:
    with _lock:
        return dict(_config)


def replace(values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(KEYS)
    if unknown:
        raise ValueError(f"unknown keys: {sorted(unknown)}")
    with _lock:
        _config.clear()
        _config.update({k: v for k, v in values.items() if v is not None})
        return dict(_config)


def remember(request: dict[str, str]) -> None:
    """Keep an authorization request's parameters (tests read them at ``GET /control/``)."""
    with _lock:
        _seen.append(request)


def seen() -> list[dict[str, str]]:
    with _lock:
        return list(_seen)
