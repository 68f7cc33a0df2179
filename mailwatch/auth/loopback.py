"""The browser flow's receiving end: a one-shot web server on 127.0.0.1 (RFC 8252 §7.3).

The provider's sign-in page sends the browser back to http://127.0.0.1:PORT/?code=...
&state=...; this server takes that one request, answers with a short page telling
the owner to go back to the terminal, and hands the query to the flow, which checks
the state and trades the code for tokens.

When the browser runs on another computer (mailwatch on a server, reached over SSH),
the redirect cannot reach this server: the page fails to load, but its address holds
the answer. `wait()` also accepts that address pasted into the terminal.

Requests are never logged: their address holds the authorization code.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from mailwatch.auth.errors import SignInFailed
from mailwatch.auth.pkce import same
from mailwatch.logs import register_secret

BIND_HOST = "127.0.0.1"
ANSWER_KEYS = ("code", "error", "state")

_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>mailwatch</title></head><body style="font-family: sans-serif; margin: 3em">
<h1>{title}</h1><p>{text}</p></body></html>"""


def parse_answer(text: str) -> dict[str, str] | None:
    """The OAuth answer in a redirect address (or its query string), or None if it has none."""
    text = text.strip()
    query = urlsplit(text).query if "://" in text or text.startswith("/") else text.lstrip("?")
    params = dict(parse_qsl(query, keep_blank_values=True))
    if not any(key in params for key in ANSWER_KEYS):
        return None
    if params.get("code"):
        register_secret(params["code"])
    return params


class RedirectReceiver:
    """`with RedirectReceiver("127.0.0.1", state) as receiver:` ... `receiver.wait(...)`."""

    def __init__(self, uri_host: str, expected_state: str, port: int = 0) -> None:
        self.expected_state = expected_state
        self._answer: dict[str, str] | None = None
        self._arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                answer = parse_answer(self.path)
                if answer is None:
                    self._page(404, "Nothing here", "This address only receives a sign-in.")
                    return
                if not same(answer.get("state", ""), receiver.expected_state):
                    title, text = (
                        "This sign-in does not belong to mailwatch",
                        "It does not match the sign-in mailwatch started. Go back to the "
                        "terminal and run <code>mailwatch login</code> again.",
                    )
                elif "error" in answer:
                    title = "The sign-in did not finish"
                    text = (
                        f"The provider said: {html.escape(answer['error'])}. Go back to the "
                        "terminal for what to do next."
                    )
                else:
                    title, text = (
                        "Signed in",
                        "mailwatch received your sign-in. You can close this tab and go "
                        "back to the terminal.",
                    )
                self._page(200, title, text)
                receiver._receive(answer)

            def _page(self, status: int, title: str, text: str) -> None:
                body = _PAGE.format(title=html.escape(title), text=text).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass  # the request line holds the code: never print it

        self._server = ThreadingHTTPServer((BIND_HOST, port), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        # No path: Microsoft matches "http://localhost" registrations on everything but
        # the port, Google takes "http://127.0.0.1:PORT" as it is.
        self.redirect_uri = f"http://{uri_host}:{self.port}"
        self._thread = threading.Thread(
            # A short poll: close() (shutdown) waits for it.
            target=self._server.serve_forever,
            args=(0.05,),
            name="oauth-redirect",
            daemon=True,
        )
        self._thread.start()

    def _receive(self, answer: dict[str, str]) -> None:
        if not self._arrived.is_set():  # the first answer counts; a reload changes nothing
            self._answer = answer
            self._arrived.set()

    def wait(
        self,
        timeout: float,
        *,
        pasted: Callable[[float], str | None] | None = None,
        say: Callable[[str], None] = lambda text: None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> dict[str, str]:
        """The first answer: from the browser's redirect, or an address pasted in.

        `pasted(seconds)` waits up to `seconds` for a line typed in the terminal (None
        when there is none yet). SignInFailed after `timeout` seconds without an answer.
        """
        deadline = monotonic() + timeout
        while True:
            left = deadline - monotonic()
            if left <= 0:
                raise SignInFailed(
                    f"No sign-in came back within {timeout / 60:.0f} minutes.",
                    "Run `mailwatch login` again and finish the sign-in in the browser; "
                    "with --no-browser you can paste the address the browser ends on.",
                )
            if pasted is None:
                if self._arrived.wait(min(left, 0.5)):
                    break
                continue
            if self._arrived.is_set():
                break
            line = pasted(min(left, 0.2))
            if line is not None and line.strip():
                answer = parse_answer(line)
                if answer is not None:
                    self._receive(answer)
                    break
                say(
                    "That is not the address the browser ended on (it holds code= and "
                    "state=). Paste the whole address, or press Ctrl-C to stop."
                )
        assert self._answer is not None
        return self._answer

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> RedirectReceiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
