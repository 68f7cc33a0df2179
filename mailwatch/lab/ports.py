"""Free loopback ports.

Neither Dovecot (port 0 *disables* a listener) nor aiosmtpd's stock Controller (its
readiness check connects to the configured port) can bind port 0 and report the port
it got, so we pick one ourselves. The port is free when we look, not necessarily when
the server binds it: every caller retries with a new port when the bind fails.
"""

from __future__ import annotations

import socket

LOOPBACK = "127.0.0.1"


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port on `host` that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def greets(host: str, port: int, token: str, *, timeout: float = 0.5) -> bool:
    """True if host:port sends an IMAP `* OK` greeting that contains `token`.

    An open port is not enough (the server may still be starting its login processes),
    and the token proves the greeting comes from our instance, not from a stranger that
    took the port. The timeout is short so a silent listener cannot stall a start loop.
    """
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            greeting = b""
            while b"\n" not in greeting and len(greeting) < 4096:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                greeting += chunk
    except OSError:
        return False
    return greeting.startswith(b"* OK") and token.encode() in greeting
