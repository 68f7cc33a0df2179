"""A headless Chromium driven over the Chrome DevTools Protocol, through a pipe.

`--remote-debugging-pipe` makes Chromium read CDP commands on fd 3 and write replies
and events on fd 4, each JSON message ended by a NUL byte: no port, no websocket
library, no driver binary. Debian's /usr/bin/chromium is a shell wrapper that passes
its file descriptors on to the browser.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = Path(os.environ.get("MAILWATCH_CHROMIUM", "/usr/bin/chromium"))
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--hide-scrollbars",
    "--mute-audio",
    "--remote-debugging-pipe",
)


class CDPError(RuntimeError):
    pass


class Browser:
    """One Chromium process; `call` sends a command and returns its result, keeping
    the events that arrive meanwhile in `events`."""

    def __init__(self, process: subprocess.Popen[bytes], to_browser: int, from_browser: int):
        self.process = process
        self._write = to_browser
        self._read = from_browser
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        session: str | None = None,
        timeout: float = 30.0,
    ) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise CDPError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self._on_event(reply)

    def wait_for(self, method: str, *, session: str | None = None, timeout: float = 30.0):
        """Wait for the next event `method` (already received ones count)."""
        deadline = time.monotonic() + timeout
        while True:
            for index, event in enumerate(self.events):
                if event["method"] == method and (
                    session is None or event.get("sessionId") == session
                ):
                    return self.events.pop(index)
            self._on_event(self._receive(deadline))

    def _on_event(self, message: dict[str, Any]) -> None:
        if message.get("method") == "Fetch.requestPaused":
            # Nothing leaves the machine: every http(s) request is failed at once (and
            # recorded by Network.requestWillBeSent, which the test checks).
            self.call(
                "Fetch.failRequest",
                {"requestId": message["params"]["requestId"], "errorReason": "BlockedByClient"},
                session=message.get("sessionId"),
            )
        self.events.append(message)

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CDPError("Chromium did not answer in time")
            ready, _, _ = select.select([self._read], [], [], left)
            if ready:
                chunk = os.read(self._read, 1 << 20)
                if not chunk:
                    raise CDPError(f"Chromium closed the pipe (exit code {self.process.poll()})")
                self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)


@contextmanager
def chromium() -> Iterator[Browser]:
    profile = tempfile.mkdtemp(prefix="mailwatch-chromium-")
    commands_read, commands_write = os.pipe()
    replies_read, replies_write = os.pipe()

    def child_fds() -> None:
        # dup first: dup2 onto the same number would keep the close-on-exec flag.
        os.dup2(os.dup(commands_read), 3)
        os.dup2(os.dup(replies_write), 4)

    process = subprocess.Popen(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", "about:blank"],
        preexec_fn=child_fds,  # the tests start browsers from one thread only
        close_fds=False,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    os.close(commands_read)
    os.close(replies_write)
    try:
        yield Browser(process, commands_write, replies_read)
    finally:
        os.close(commands_write)
        os.close(replies_read)
        try:
            os.killpg(process.pid, 15)
            process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, 9)
            process.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)


def screenshot(browser: Browser, session: str, path: Path) -> tuple[int, int]:
    """A full-page PNG of the current page; returns its CSS size (width, height)."""
    import base64

    metrics = browser.call("Page.getLayoutMetrics", session=session)
    size = metrics["cssContentSize"]
    width, height = int(size["width"]), int(size["height"])
    shot = browser.call(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        },
        session=session,
    )
    path.write_bytes(base64.b64decode(shot["data"]))
    return width, height
