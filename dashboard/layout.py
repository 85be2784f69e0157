"""The page: a bar at the top (the sidebar's button, the title, projector mode), the sidebar of
controls, and the tabs, laid out to fit a projector from 1024x768 up.

Nothing on the page has a fixed width wider than the sidebar: the views lay
their parts side by side when the window is wide and one under the other
when it is not (:func:`side_by_side`), and every chart keeps at least
:data:`~dashboard.views.common.MIN_CHART_PX` of width. Projector mode sets
the page's font size once, as CSS custom properties that every widget, tab
and text inherits (Bokeh's widgets read ``--bokeh-font-size``); the charts,
drawn on canvases, get their sizes and tick density from
:func:`~dashboard.views.common.set_text_size`.
"""

from __future__ import annotations

from typing import Any

import panel as pn

from dashboard.session import Session
from dashboard.views.common import TEXT_SIZES, esc

SIDEBAR_PX = 290  # the sidebar's width (px): 1024 - 290 leaves each chart more than 280 px
# Panel's tabs header does not wrap by default: at 1024 px in projector mode the last tabs would be cut off.
TABS_CSS = (
    ".bk-header, .bk-headers-wrapper { flex-wrap: wrap; overflow: visible; height: auto; } "
    ".bk-headers-wrapper { display: flex; } .bk-tab { padding: 4px 10px; }"
)


def page_styles(large: bool) -> dict[str, str]:
    """The page's text size (inherited by every widget and text inside it)."""
    body = TEXT_SIZES[large].body
    return {
        "font-size": body,
        "--bokeh-font-size": body,
        "--pn-font-size": body,
        "max-width": "100vw",
    }


def side_by_side(*parts: Any, basis: tuple[str, ...], **kw: Any) -> pn.FlexBox:
    """Parts in a row that wraps: each part starts at its `basis` width (CSS, e.g. "560px") and grows
    to fill the row; when the row is narrower than the bases added up, the next part goes below."""
    for part, width in zip(parts, basis):
        part.styles = {**(part.styles or {}), "flex": f"1 1 {width}", "min-width": "0"}
    return pn.FlexBox(
        *parts,
        flex_wrap="wrap",
        align_items="flex-start",
        sizing_mode="stretch_width",
        styles={"gap": "0 12px"},
        **kw,
    )


class Page:
    """The layout of one session's page, and the parts tests and scripts reach for."""

    def __init__(self, session: Session, controls: Any, views: dict[str, Any], title: str):
        self.session, self.controls, self.views = session, controls, views
        self.names = tuple(views)
        self.menu = pn.widgets.Toggle(
            label="☰ Controls", value=True, css_classes=["sidebar-toggle"], align="center"
        )
        self.large = pn.widgets.Toggle.from_param(
            session.param.large_text,
            label="Projector mode",
            css_classes=["projector-toggle"],
            align="center",
        )
        self.heading = pn.pane.HTML(
            "",
            css_classes=["scenario-title"],
            align="center",
            styles={"flex": "1 1 300px", "min-width": "0"},
        )
        self.alert = pn.pane.Alert(
            "",
            alert_type="danger",
            visible=False,
            sizing_mode="stretch_width",
            css_classes=["app-error"],
        )
        self.notice = pn.pane.Alert(
            "",
            alert_type="info",
            visible=False,
            sizing_mode="stretch_width",
            css_classes=["app-notice"],
        )
        self.tabs = pn.Tabs(
            *[(name, views[name].panel) for name in self.names],
            dynamic=False,
            sizing_mode="stretch_width",
            stylesheets=[TABS_CSS],
        )
        self.sidebar = pn.Column(controls.panel, width=SIDEBAR_PX, css_classes=["app-sidebar"])
        bar = pn.FlexBox(
            self.menu,
            pn.pane.HTML(f"<b>{esc(title)}</b>", align="center"),
            self.heading,
            self.large,
            flex_wrap="wrap",
            align_items="center",
            sizing_mode="stretch_width",
            css_classes=["app-bar"],
            styles={"border-bottom": "1px solid #ccc"},
        )
        main = pn.Column(
            self.alert,
            self.notice,
            self.tabs,
            sizing_mode="stretch_width",
            styles={"min-width": "0"},
        )
        self.layout = pn.Column(
            bar,
            pn.Row(self.sidebar, main, sizing_mode="stretch_width"),
            sizing_mode="stretch_width",
            styles=page_styles(session.large_text),
            css_classes=["acsim-page"],
        )
        self.menu.param.watch(lambda e: setattr(self.sidebar, "visible", e.new), "value")
        session.param.watch(self._show_error, "error")
        session.param.watch(self._show_notice, "notice")
        session.param.watch(self._show_heading, ["scenario_name", "version"])
        session.param.watch(self._projector, "large_text")
        self.tabs.param.watch(self._show_active, "active")
        self._show_heading()
        self._show_active()

    def _show_error(self, *_: Any) -> None:
        s = self.session
        self.alert.object = f"**Problem:** {esc(s.error)}" if s.error else ""
        self.alert.visible = bool(s.error)

    def _show_notice(self, *_: Any) -> None:
        s = self.session
        self.notice.object = esc(s.notice)
        self.notice.visible = bool(s.notice)

    def _show_heading(self, *_: Any) -> None:
        self.heading.object = (
            f"<span style='font-size:1.25em;font-weight:600'>{esc(self.session.title())}</span>"
        )

    def _projector(self, *_: Any) -> None:
        self.layout.styles = page_styles(self.session.large_text)

    def _show_active(self, *_: Any) -> None:
        """Hidden tabs skip their redraws and catch up when shown."""
        for i, name in enumerate(self.names):
            self.views[name].set_shown(i == self.tabs.active)

    def open_tab(self, name: str) -> None:
        """Show the tab called `name` (ignored when there is none)."""
        if name in self.names:
            self.tabs.active = self.names.index(name)

    @property
    def active_tab(self) -> str:
        return self.names[self.tabs.active]
