"""Class mode's pages on the dashboard's server: ``/teacher`` (behind a key) and ``/join``.

The console's key is made when the server starts (or read from the
``ACSIM_TEACHER_KEY`` environment variable, to keep one address across
restarts) and printed with the console's address. A request for ``/teacher``
without the right key is answered 403 by Panel's authorization hook before any
session is made, whatever interface the server listens on; the page itself
checks the key again, in case a session were ever made some other way.
"""

from __future__ import annotations

import functools
import hmac
import os
import secrets
import threading
from collections.abc import Callable
from typing import Any

import panel as pn

from dashboard.classroom.student import student_app
from dashboard.classroom.teacher import scenario_titles, teacher_app

TEACHER_PATH, JOIN_PATH = "/teacher", "/join"
KEY_ENV = "ACSIM_TEACHER_KEY"
KEY_BYTES = 16  # 128 random bits, URL-safe


@functools.cache
def console_key() -> str:
    """This server's console key (made once per process)."""
    return os.environ.get(KEY_ENV) or secrets.token_urlsafe(KEY_BYTES)


def key_ok(arguments: dict[str, list[bytes]]) -> bool:
    """Whether a request's query arguments carry the console's key (compared in constant time)."""
    given = (arguments.get("key") or [b""])[0]
    return hmac.compare_digest(given, console_key().encode())


def authorize(user_info: Any, path: str) -> bool:
    """Panel's authorization hook: ``/teacher`` needs the key; every other page is open."""
    if path.rstrip("/") != TEACHER_PATH:
        return True
    return key_ok(pn.state.session_args)


def apps(join_url: str) -> dict[str, Callable[[], Any]]:
    """The class pages to add to the server's {path: app}; installs the key check."""
    previous = pn.config.authorize_callback
    if previous is not None and previous is not authorize:
        raise RuntimeError(
            "the server already has an authorization hook; class mode would replace it"
        )
    pn.config.authorize_callback = authorize
    # the console's list of scenarios reads every bundled file (seconds): read it now, before
    # anyone is connected, rather than when the teacher first opens the console
    threading.Thread(target=scenario_titles, name="class-scenarios", daemon=True).start()

    def teacher() -> Any:
        if not key_ok(pn.state.session_args):
            return pn.pane.Markdown("403: the teacher's console needs its key.")
        return teacher_app(join_url)

    return {TEACHER_PATH: teacher, JOIN_PATH: student_app}


def addresses(base: str) -> tuple[str, str]:
    """(the console's address with its key, the students' join address) under `base` (``http://host:port``)."""
    base = base.rstrip("/")
    return f"{base}{TEACHER_PATH}?key={console_key()}", f"{base}{JOIN_PATH}"
