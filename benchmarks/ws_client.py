"""A page without a browser: opens the dashboard as a browser does and speaks Bokeh's websocket protocol.

The load test uses it to measure the server alone. Like a browser, it fetches
the page (the server creates the session and runs the app), connects to the
websocket with the page's token, pulls the document, announces that the
document is ready, and then sends what a click or a slider sends: a
``button_click`` event or a changed ``value`` / ``value_throttled``. It reads
every change the server sends back and notes when the text a page would show
arrives. It draws nothing, so its time is the server's.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

from bokeh.client.websocket import WebSocketClientConnectionWrapper
from bokeh.core.types import ID
from bokeh.document.json import DocumentChanged, ModelChanged
from bokeh.protocol import Protocol
from bokeh.protocol.messages.patch_doc import patch_doc
from bokeh.protocol.receiver import Receiver
from tornado.websocket import websocket_connect

TOKEN = re.compile(r'"token"\s*:\s*"([^"]+)"')


def walk(obj: Any) -> Iterator[dict]:
    """Every serialized Bokeh object ({"type": "object", "name", "id", "attributes"}) inside obj."""
    if isinstance(obj, dict):
        if obj.get("type") == "object" and "id" in obj:
            yield obj
        for v in obj.values():
            yield from walk(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from walk(v)


def model_changed(model_id: str, attr: str, new: Any) -> ModelChanged:
    """The patch event that sets a model's attribute, as a browser sends it."""
    return {"kind": "ModelChanged", "model": {"id": ID(model_id)}, "attr": attr, "new": new}


class Page:
    """One dashboard session, held open over a websocket."""

    def __init__(self, url: str):
        self.url = url.rstrip("/") + "/"
        self.protocol = Protocol()
        self.receiver = Receiver(self.protocol)
        self.models: dict[str, dict] = {}
        self.socket: WebSocketClientConnectionWrapper | None = None
        self.waiters: list[tuple[str, asyncio.Future]] = []
        self.reader: asyncio.Task | None = None

    # -- opening
    async def open(self) -> None:
        """Fetch the page, connect, pull the document and announce it ready (as the browser does)."""
        html = await asyncio.to_thread(
            lambda: urllib.request.urlopen(self.url, timeout=60).read().decode()
        )
        token = TOKEN.search(html)
        if token is None:
            raise RuntimeError(f"no session token in the page at {self.url}")
        ws_url = self.url.replace("http://", "ws://", 1) + "ws"
        conn = await websocket_connect(
            ws_url, subprotocols=["bokeh", token.group(1)], max_message_size=50 * 2**20
        )
        self.socket = WebSocketClientConnectionWrapper(conn)
        ack = await self._read()
        if ack.msgtype != "ACK":
            raise RuntimeError(f"expected ACK, got {ack.msgtype}")
        await self.protocol.create("PULL-DOC-REQ").send(self.socket)
        reply = await self._read()
        if reply.msgtype != "PULL-DOC-REPLY":
            raise RuntimeError(f"expected PULL-DOC-REPLY, got {reply.msgtype}: {reply.content}")
        self.models = {o["id"]: o for o in walk(reply.content["doc"])}
        self.reader = asyncio.create_task(self._read_forever())
        await self._send_event("document_ready", {})

    async def close(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
        if self.socket is not None:
            self.socket._socket.close()

    # -- finding what a user would click
    def find(self, name: str, **attrs: Any) -> str:
        """The id of the model of type `name` (e.g. "Button", "Slider") whose attributes start with the given values."""
        for mid, obj in self.models.items():
            a = obj.get("attributes", {})
            if obj.get("name", "").rsplit(".", 1)[-1] == name and all(
                str(a.get(k, "")).startswith(str(v)) for k, v in attrs.items()
            ):
                return mid
        raise LookupError(f"no {name} with {attrs} in the page")

    # -- acting
    async def click(self, button_id: str) -> None:
        await self._send_event("button_click", {"model": {"id": button_id}})

    async def set_value(self, model_id: str, value: float) -> None:
        """What a slider sends when it is released at `value`."""
        events: list[DocumentChanged] = [
            model_changed(model_id, attr, value) for attr in ("value", "value_throttled")
        ]
        await self._send_patch(events)

    async def show_tab(self, title: str) -> None:
        """What clicking a tab sends (nothing if it is already shown)."""
        for mid, obj in self.models.items():
            if obj.get("name", "").rsplit(".", 1)[-1] != "Tabs":
                continue
            titles = [
                self.models[t["id"]]["attributes"].get("title") for t in obj["attributes"]["tabs"]
            ]
            if title in titles and obj["attributes"].get("active", 0) != titles.index(title):
                obj["attributes"]["active"] = titles.index(title)
                await self._send_patch([model_changed(mid, "active", titles.index(title))])
            return

    async def toggle(self, model_id: str, active: bool = True) -> None:
        """What a toggle button (such as Play) sends when it is pressed."""
        await self._send_patch([model_changed(model_id, "active", active)])

    def expect(self, text: str) -> asyncio.Future:
        """A future that completes when the server next sends a change containing `text`."""
        fut = asyncio.get_running_loop().create_future()
        self.waiters.append((text, fut))
        return fut

    async def timed(self, action, expect: str, timeout: float = 120.0) -> float:
        """Seconds from sending `action` (a coroutine function) to the arrival of `expect`."""
        done = self.expect(expect)
        started = time.perf_counter()
        await action()
        await asyncio.wait_for(done, timeout)
        return time.perf_counter() - started

    # -- the protocol
    async def _send_event(self, name: str, values: dict) -> None:
        event = {"type": "event", "name": name, "values": values}
        await self._send_patch(
            [{"kind": "MessageSent", "msg_type": "bokeh_event", "msg_data": event}]
        )

    async def _send_patch(self, events: list[DocumentChanged]) -> None:
        await patch_doc(patch_doc.create_header(), {}, {"events": events}).send(self._connected())

    def _connected(self) -> WebSocketClientConnectionWrapper:
        """The page's websocket.

        Raises:
            ConnectionError: the page was not opened.
        """
        if self.socket is None:
            raise ConnectionError(f"the page at {self.url} is not open: call open() first")
        return self.socket

    async def _read(self):
        while True:
            fragment = await self._connected().read_message()
            if fragment is None:
                raise ConnectionError("the server closed the websocket")
            message = await self.receiver.consume(fragment)
            if message is not None:
                return message

    async def _read_forever(self) -> None:
        while True:
            message = await self._read()
            if message.msgtype != "PATCH-DOC" or not self.waiters:
                continue
            text = json.dumps(message.content)
            for item in list(self.waiters):
                if item[0] in text and not item[1].done():
                    item[1].set_result(time.perf_counter())
                    self.waiters.remove(item)
