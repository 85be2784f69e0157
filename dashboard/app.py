"""The classroom dashboard: ``acsim dashboard`` or ``make dashboard`` serves it on http://localhost:5006.

Each browser session gets its own :class:`~dashboard.state.Session` (one model
per session); the views are built from it and redraw when it changes.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import threading
from typing import Any

import panel as pn

from dashboard import url_state
from dashboard.classroom import serving as classroom
from dashboard.layout import Page
from dashboard.session import Session
from dashboard.views.bargaining import BargainingView
from dashboard.views.briefing import BriefingView
from dashboard.views.compare import CompareView
from dashboard.views.controls import ControlsView
from dashboard.views.export import ExportView
from dashboard.views.odds import OddsView
from dashboard.views.play import PlayView
from dashboard.views.scenario_editor import ScenarioView
from dashboard.views.timeline import TimelineView
from dashboard.workers import warm_worker_pool

TITLE = "acsim: arms-control negotiation"
TAB_NAMES = ("Briefing", "Timeline", "Bargaining", "Odds", "Compare", "Play", "Scenario", "Export")


def create_app(session: Session | None = None) -> pn.viewable.Viewable:
    """The page for one browser session (a new Session unless one is given), as Panel serves it."""
    return build_page(session).layout


def build_page(session: Session | None = None) -> Page:
    """The page for one browser session, with its parts (``session``, ``controls``, ``views``,
    ``tabs``, ``layout``) for scripts and tests."""
    pn.extension("codeeditor", notifications=False)
    session = session or Session()
    views = {
        "Briefing": BriefingView(session),
        "Timeline": TimelineView(session),
        "Bargaining": BargainingView(session),
        "Odds": OddsView(session),
        "Compare": CompareView(session),
        "Play": PlayView(session),
        "Scenario": ScenarioView(session),
        "Export": ExportView(session),
    }
    controls = ControlsView(session)
    page = Page(session, controls, views, "acsim")
    url_state.sync(page)
    return page


ALL_INTERFACES = ("0.0.0.0", "::", "")


def websocket_origins(host: str, port: int, allowed_origins: list[str] | None = None) -> list[str]:
    """The host:port origins whose pages may open the dashboard's websocket.

    On one machine: the host itself, localhost and 127.0.0.1. Served on every
    interface (a classroom network), students reach the machine by whatever name
    or address their network gives it, so the machine's own names and addresses
    are allowed too; add others (a DNS alias, a proxy) with ``allowed_origins``.
    """
    names = {host, "localhost", "127.0.0.1"}
    if host in ALL_INTERFACES:
        names.discard(host)
        names |= machine_addresses()
    return sorted(f"{n}:{port}" for n in names if n) + list(allowed_origins or [])


def machine_addresses() -> set[str]:
    """This machine's host name, its fully qualified name and its IPv4 addresses."""
    names = {socket.gethostname(), socket.getfqdn()}
    try:
        names |= {
            str(info[4][0])
            for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
        }
    except OSError:
        pass
    try:  # the address of the interface that routes outward (no packet is sent)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("10.255.255.255", 1))
            names.add(probe.getsockname()[0])
    except OSError:
        pass
    return names


def serve(
    host: str = "localhost",
    port: int = 5006,
    allowed_origins: list[str] | None = None,
    show: bool = False,
    **kwargs: Any,
):
    """Serve the dashboard until interrupted (one Session per browser session).

    Args:
        host: the address to listen on ("0.0.0.0" for the classroom network).
        port: TCP port.
        allowed_origins: extra host:port origins allowed to open the websocket (see :func:`websocket_origins`).
        show: open a browser tab.
        **kwargs: passed to :func:`panel.serve` (e.g. threaded=True, start=False).
    """
    origins = websocket_origins(host, port, allowed_origins)
    _stop_on_sigterm()
    threading.Thread(target=warm_worker_pool, name="warm-worker-pool", daemon=True).start()
    addresses = [f"{host}:{port}"]
    if host in ALL_INTERFACES:
        addresses = (
            sorted(o for o in origins if o[0].isdigit() and not o.startswith("127.")) or origins
        )
        print("Students can open: " + ", ".join(f"http://{a}/" for a in addresses), flush=True)
    # class mode (dashboard/classroom): the teacher's console behind its key, and the students' join page
    console_url, join_url = classroom.addresses(f"http://{addresses[0]}")
    print(
        f"Teacher's console (class mode; keep this address to yourself): {console_url}", flush=True
    )
    return pn.serve(
        {"/": create_app, **classroom.apps(join_url)},
        address=host,
        port=port,
        allow_websocket_origin=origins,
        show=show,
        title=TITLE,
        **kwargs,
    )


def _stop_on_sigterm() -> None:
    """Let ``kill`` stop the server as Ctrl-C does, so that it shuts its worker processes down on the way out."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: os.kill(os.getpid(), signal.SIGINT))


def main(argv: list[str] | None = None) -> int:
    """``python -m dashboard.app --port 5006``."""
    parser = argparse.ArgumentParser(description="Serve the acsim dashboard.")
    parser.add_argument("--host", default="localhost")
    parser.add_argument("--port", type=int, default=5006)
    parser.add_argument("--allow-origin", action="append", default=[])
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args(argv)
    serve(args.host, args.port, args.allow_origin, args.show)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
