"""How long from new mail in INBOX to mailwatch having it, against a bare IDLE client.

    python bench/idle_bench.py [--rounds 10]

Starts a private Dovecot, then for each round APPENDs one message to INBOX and
times (a) a bare imapclient IDLE until the server's EXISTS arrives, and (b) the
real `mailwatch run` process until the message is in its state file. Both
watch the same server at the same time, so the server's own notification delay
(~0.5 s in Dovecot) is in both; the difference is mailwatch's cost.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mailwatch.lab.account import imap_login  # noqa: E402
from mailwatch.lab.dovecot import Dovecot  # noqa: E402
from mailwatch.lab.messages import make_email  # noqa: E402
from mailwatch.store import Store  # noqa: E402
from tests.integration.daemon_helpers import write_daemon_workspace  # noqa: E402
from tests.integration.workspace import cli_env  # noqa: E402


def message(n: int) -> tuple[bytes, datetime]:
    when = datetime.now(UTC).replace(microsecond=0)
    raw = make_email(
        sender=("Jane", "jane@acme.test"),
        to=[("Sam", "sam@studio.test")],
        subject=f"Bench {n}",
        body="Hello",
        date=when,
        message_id=f"<bench{n}-{time.time_ns()}@acme.test>",
    )
    return raw, when


def bare_idle_waiter(account, ready: threading.Event, seen: list[float], stop: threading.Event):
    client = imap_login(account)
    client.select_folder("INBOX", readonly=True)
    client.idle()
    ready.set()
    while not stop.is_set():
        for response in client.idle_check(timeout=0.5):
            if isinstance(response, tuple) and response[1] == b"EXISTS":
                seen.append(time.perf_counter())
    client.idle_done()
    client.logout()


def stored(state: Path) -> int:
    try:
        with Store(state, readonly=True) as store:
            return store.message_count()
    except Exception:
        return -1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mw-idle-bench-") as tmp, Dovecot() as dovecot:
        account = dovecot.account("sam")
        config = write_daemon_workspace(Path(tmp) / "mw", account, 2525, schedule="", extra="")
        # Polling far apart, so only IDLE push can explain a fast sync.
        config.write_text(config.read_text().replace("poll_seconds = 2", "poll_seconds = 600"))
        state = config.parent / "state"
        log = open(Path(tmp) / "daemon.log", "wb")  # noqa: SIM115
        daemon = subprocess.Popen(
            [sys.executable, "-m", "mailwatch", "--config", str(config), "run"],
            env=cli_env(account),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        health = config.parent / "state" / "daemon.json"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if "IDLE" in json.loads(health.read_text()).get("imap", ""):
                    break
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        bare, ours = [], []
        try:
            for n in range(args.rounds):
                ready, stop, seen = threading.Event(), threading.Event(), []
                waiter = threading.Thread(
                    target=bare_idle_waiter, args=(account, ready, seen, stop)
                )
                waiter.start()
                ready.wait(10)
                time.sleep(0.3)
                before = stored(state)
                dovecot.append_many(account, "INBOX", [message(n)])
                appended = time.perf_counter()
                mw_at = None
                while time.perf_counter() - appended < 15:
                    if mw_at is None and stored(state) > before:
                        mw_at = time.perf_counter()
                    if mw_at is not None and seen:
                        break
                    time.sleep(0.005)
                stop.set()
                waiter.join(5)
                if not seen or mw_at is None:
                    raise SystemExit(f"round {n}: no notification (bare {seen}, mailwatch {mw_at})")
                bare.append(seen[0] - appended)
                ours.append(mw_at - appended)
                time.sleep(0.5)
        finally:
            daemon.terminate()
            daemon.wait(30)
            log.close()
    b, m = statistics.median(bare), statistics.median(ours)
    print(f"rounds: {args.rounds}")
    print(
        f"bare imapclient IDLE, APPEND -> EXISTS:        median {b:.3f} s "
        f"(min {min(bare):.3f}, max {max(bare):.3f})"
    )
    print(
        f"mailwatch run, APPEND -> message in its state: median {m:.3f} s "
        f"(min {min(ours):.3f}, max {max(ours):.3f})"
    )
    print(f"difference (mailwatch's own cost): {m - b:+.3f} s; ratio {m / b:.2f}")


if __name__ == "__main__":
    main()
