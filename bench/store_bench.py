"""Does the state's cost follow the change, not the mailbox? (issue 8)

    python bench/store_bench.py [--sizes 20000,50000,100000] [--repeat 3]

Mailboxes at the SAME mail rate (the generator of sync_bench.py, ~830 messages a month:
20k = 2 years, 50k = 5 years, 100k = 10 years), loaded into a private Dovecot (mdbox),
first-synced by mailwatch, then measured in one run, interleaved, medians:

1. first sync, in process: `App.sync()` on a fresh state / a bare imapclient header
   fetch (target <= 1.5), at every size;
2. first sync as a user runs it: `mailwatch sync` as a whole process / a bare
   imapclient header-fetch script run the same way (target <= 1.75 at 20k);
3. a quiet `mailwatch sync` (whole process), 20k / 200 (target <= 1.2);
4. `mailwatch status` and `mailwatch queue approve` (whole processes) at every size
   (target: 100k <= 1.5x 20k), with the bytes each process wrote;
5. bytes written (and time) for one new message in a long-lived process (the daemon's
   cycle: sync + evaluate) (target: 100k <= 2x 20k);
6. `mailwatch run`'s RSS, settled, and after other processes made it re-read files
   (`queue approve`, a `mailwatch sync` that stored new mail) (target <= 150 MiB).

Writes bench/results/store-<UTC stamp>.json and prints a table (see bench/README.md).
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import sync_bench as sb  # the generator, the workspaces, the bare fetch, the CLI runner

from mailwatch.clock import FixedClock
from mailwatch.config.loader import load_settings
from mailwatch.lab import imap_load
from mailwatch.lab.account import Account
from mailwatch.lab.dovecot import Dovecot, find_binary
from mailwatch.pipeline.app import App
from mailwatch.store import Store

RATE_PER_DAY = 20_000 / 730  # sync_bench's 20k over two years: ~830 a month

# A bare header fetch as its own process: the floor of `mailwatch sync` as a user
# runs it (interpreter, imapclient, login, the same FETCH in the same batches).
BARE_SCRIPT = """
import sys, imapclient
host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
item = sys.argv[5].encode()
client = imapclient.IMAPClient(host, port=port, ssl=False, timeout=60)
client.normalise_times = False
client.login(user, password)
for folder in ("INBOX", "Sent"):
    client.select_folder(folder, readonly=True)
    uids = client.search(["ALL"])
    for i in range(0, len(uids), 500):
        client.fetch(uids[i:i + 500], [item, b"INTERNALDATE", b"RFC822.SIZE"])
client.logout()
"""

# Runs `mailwatch ARGS` and records, at exit, its peak RSS and the bytes it wrote.
CHILD = """
import atexit, json, sys
def _report(path=sys.argv[1]):
    out = {}
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    out["vmhwm_kib"] = int(line.split()[1])
        with open("/proc/self/io") as io:
            for line in io:
                key, value = line.split(":")
                out[key] = int(value)
    except OSError:
        pass
    with open(path, "w") as handle:
        json.dump(out, handle)
atexit.register(_report)
sys.argv = ["mailwatch", *sys.argv[2:]]
from mailwatch.cli.main import main
main()
"""


def run_process(args: Sequence[str], cwd: Path, *, check: bool = True) -> dict[str, Any]:
    """`mailwatch ARGS` in a fresh process: wall seconds, peak RSS, bytes written."""
    report = cwd / "child.json"
    report.unlink(missing_ok=True)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(report), *args],
        cwd=cwd,
        env=sb.cli_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if check and result.returncode != 0:
        raise RuntimeError(f"mailwatch {' '.join(args)}: {result.returncode}\n{result.stderr}")
    data = json.loads(report.read_text()) if report.exists() else {}
    return {
        "seconds": seconds,
        "rss_kib": data.get("vmhwm_kib"),
        "write_bytes": data.get("write_bytes"),
        "wchar": data.get("wchar"),
        "stdout": result.stdout,
    }


def bare_process(account: Account) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", BARE_SCRIPT, account.host, str(account.port),
         account.username, account.password, sb._HEADER_ITEM.decode()],
        check=True, env=sb.cli_env(),
    )  # fmt: skip
    return time.perf_counter() - started


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def client_message(n: int, when: datetime, to: tuple[str, str]) -> bytes:
    """A short message from a client, with text (it is recent)."""
    return (
        f"From: {to[0]} <{to[1]}>\r\nTo: {sb.OWNER[0]} <{sb.OWNER[1]}>\r\n"
        f"Subject: New photos {n}\r\nDate: {format_datetime(when)}\r\n"
        f"Message-ID: <bench-new-{n}@bench.test>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Hi Sam,\r\n\r\nHere are the new photos ({n}). Could you post them on Friday?\r\n"
        "\r\nThanks\r\n"
    ).encode()


def owner_message(n: int, when: datetime, to: tuple[str, str]) -> bytes:
    return (
        f"From: {sb.OWNER[0]} <{sb.OWNER[1]}>\r\nTo: {to[0]} <{to[1]}>\r\n"
        f"Subject: Schedule {n}\r\nDate: {format_datetime(when)}\r\n"
        f"Message-ID: <bench-out-{n}@studio.test>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Hi,\r\n\r\nThe schedule for next week is in the shared folder.\r\n\r\nSam\r\n"
    ).encode()


def vm(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} for {pid}")


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what}")


def pending_drafts(config: Path, work: Path) -> list[str]:
    out = run_process(["--config", str(config), "queue", "list", "--json"], work)["stdout"]
    return [d["id"] for d in json.loads(out) if d["status"] == "pending"]


# =====================================================================================


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="20000,50000,100000")
    parser.add_argument("--small", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--process-sizes", default="20000",
                        help="sizes whose first sync is also timed as a whole process")  # fmt: skip
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-daemon", action="store_true", help="skip the RSS of `run`")
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--results", type=Path, default=sb.RESULTS_DIR)
    args = parser.parse_args(argv)
    if find_binary() is None:
        print(Dovecot.missing_reason(), file=sys.stderr)
        return 2
    return sb.recorded_run(
        args, "mailwatch-store-bench-", "store-",
        lambda work, _stamp, results: run(args, work, results), print_table,
    )  # fmt: skip


def run(args: argparse.Namespace, work: Path, results: dict[str, Any]) -> None:
    sizes = {f"{int(n) // 1000}k": int(n) for n in args.sizes.split(",")}
    names = list(sizes)
    small = "small"
    process_sizes = {f"{int(n) // 1000}k" for n in args.process_sizes.split(",") if n}
    clients = sb.make_clients(args.seed)
    cache = args.results / "cache"
    corpora = {}
    for n, (name, count) in enumerate([*sizes.items(), (small, args.small)]):
        # The same rate for every size: a bigger mailbox is more years, as in real life.
        sb.SPAN_DAYS = 730 if name == small else round(count / RATE_PER_DAY)
        sb.log(f"mailbox {name}: {count:,} messages over {sb.SPAN_DAYS} days")
        corpora[name], _ = sb.corpus_cached(clients, count, args.seed + n, cache)
    now = max(max(c.dates()) for c in corpora.values()) + timedelta(minutes=10)
    results["now"] = now.isoformat()
    results["mailboxes"] = {name: c.describe(now) for name, c in corpora.items()}

    with Dovecot(mail_format="mdbox") as dovecot:
        accounts: dict[str, Account] = {}
        for name, corpus in corpora.items():
            account = dovecot.account(name)
            dovecot.append_many(account, "INBOX", corpus.inbox)
            dovecot.append_many(account, "Sent", corpus.sent)
            accounts[name] = account
        del corpora
        all_names = [*names, small]
        configs = {
            name: sb.write_workspace(work, accounts[name], clients, f"state-{name}/x.json")
            for name in all_names
        }
        for name, config in configs.items():
            # [store] dir, as a new configuration has it
            text = config.read_text().replace(
                f'path = "state-{name}/x.json"', f'dir = "state-{name}"'
            )
            config.write_text(text)
        settings = {name: load_settings(path) for name, path in configs.items()}
        for name in all_names:
            sb.bare_fetch(accounts[name], ["INBOX", "Sent"])  # warm Dovecot's caches

        first_sync(args, work, names, accounts, settings, now, results)
        for name in all_names:
            if name not in names:
                sb.mailwatch_first_sync(settings[name], settings[name].state_dir, now)
        results["state"] = {name: state_sizes(settings[name].state_dir) for name in names}
        process_first_sync(args, work, process_sizes, accounts, configs, now, results)
        quiet_sync(args, work, configs, names[0], small, now, results)
        commands(args, work, names, configs, now, results)
        new_message(args, names, accounts, settings, clients, now, results)
        if not args.no_daemon:
            daemon_rss(args, work, names, accounts, configs, clients, results)


def state_sizes(state_dir: Path) -> dict[str, Any]:
    months = sorted(state_dir.glob("mail/*.json"))
    return {
        "total_bytes": sb.state_bytes(state_dir),
        "ledger_bytes": (state_dir / "ledger.json").stat().st_size,
        "sync_bytes": (state_dir / "sync.json").stat().st_size,
        "clients_bytes": (state_dir / "clients.json").stat().st_size,
        "month_files": len(months),
        "month_bytes_median": median([p.stat().st_size for p in months]),
        "text_bytes": sum(p.stat().st_size for p in state_dir.glob("text/*.jsonl")),
    }


def first_sync(args, work, names, accounts, settings, now, results) -> None:
    samples: dict[str, dict[str, list[float]]] = {n: {"bare": [], "mailwatch": []} for n in names}
    runs = {}
    for r in range(args.repeat):
        for name in names:
            sb.log(f"first sync in process, {name} #{r + 1}")
            seconds, seen = sb.bare_fetch(accounts[name], ["INBOX", "Sent"])
            samples[name]["bare"].append(seconds)
            target = work / f"fresh-{name}-{r}"
            run = sb.mailwatch_first_sync(settings[name], target, now)
            if run.new + run.other + run.quarantined != seen:
                raise RuntimeError(f"{name}: {run} but the server has {seen}")
            samples[name]["mailwatch"].append(run.seconds)
            runs[name] = run
            if r == args.repeat - 1:  # the last one becomes the state measured below
                shutil.rmtree(settings[name].state_dir, ignore_errors=True)
                shutil.move(target, settings[name].state_dir)
            else:
                shutil.rmtree(target)
    results["first_sync"] = {
        name: {
            **{f"{k}_seconds": v for k, v in samples[name].items()},
            "ratio": median(samples[name]["mailwatch"]) / median(samples[name]["bare"]),
            "stored": runs[name].new,
            "not_kept": runs[name].other,
            "writes": runs[name].writes,
        }
        for name in names
    }


def process_first_sync(args, work, process_sizes, accounts, configs, now, results) -> None:
    out: dict[str, Any] = {}
    for name in [n for n in configs if n in process_sizes]:
        bare, mailwatch, rss = [], [], []
        state = work / f"state-{name}-process"
        config = configs[name].with_name(f"config-{name}-process.toml")
        config.write_text(
            configs[name].read_text().replace(f'dir = "state-{name}"', f'dir = "{state.name}"')
        )
        for r in range(args.repeat):
            sb.log(f"first sync as a process, {name} #{r + 1}")
            bare.append(bare_process(accounts[name]))
            shutil.rmtree(state, ignore_errors=True)
            run = run_process(["--config", str(config), "--now", now.isoformat(), "sync"], work)
            mailwatch.append(run["seconds"])
            rss.append(run["rss_kib"])
        shutil.rmtree(state, ignore_errors=True)
        out[name] = {
            "bare_seconds": bare,
            "mailwatch_seconds": mailwatch,
            "ratio": median(mailwatch) / median(bare),
            "peak_rss_kib": max(rss),
        }
    results["first_sync_process"] = out


def quiet_sync(args, work, configs, big, small, now, results) -> None:
    samples: dict[str, list[float]] = {big: [], small: []}
    help_seconds = []
    for r in range(max(args.repeat, 5)):
        for name in (big, small):
            run = run_process(
                ["--config", str(configs[name]), "--now", now.isoformat(), "sync"], work
            )
            if "0 new messages" not in run["stdout"]:
                raise RuntimeError(f"a quiet sync was not quiet: {run['stdout']}")
            samples[name].append(run["seconds"])
        help_seconds.append(run_process(["--help"], work)["seconds"])
        sb.log(f"quiet sync #{r + 1}")
    results["quiet_sync_process"] = {
        "big": big,
        "seconds": samples,
        "ratio": median(samples[big]) / median(samples[small]),
        "help_seconds": median(help_seconds),
    }


def commands(args, work, names, configs, now, results) -> None:
    at = ["--now", now.isoformat()]
    pending: dict[str, list[str]] = {}
    for name in names:
        run_process(["--config", str(configs[name]), *at, "evaluate"], work)  # drafts to approve
        pending[name] = pending_drafts(configs[name], work)
        if len(pending[name]) < args.repeat:
            raise RuntimeError(f"{name}: only {len(pending[name])} pending drafts")
    status: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    approve: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    for r in range(args.repeat):
        for name in names:
            sb.log(f"status and queue approve, {name} #{r + 1}")
            status[name].append(run_process(["--config", str(configs[name]), *at, "status"], work))
            draft = pending[name][r]
            approve[name].append(
                run_process(["--config", str(configs[name]), *at, "queue", "approve", draft], work)
            )

    def summary(samples: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "seconds": [s["seconds"] for s in samples],
            "median_seconds": median([s["seconds"] for s in samples]),
            "peak_rss_kib": max(s["rss_kib"] or 0 for s in samples),
            "write_bytes": median([s["write_bytes"] or 0 for s in samples]),
            "wchar": median([s["wchar"] or 0 for s in samples]),
        }

    results["status"] = {name: summary(status[name]) for name in names}
    results["queue_approve"] = {name: summary(approve[name]) for name in names}


class Daemonish:
    """What `mailwatch run` holds between cycles (see sync_bench.Daemonish)."""

    def __init__(self, settings, now: datetime) -> None:
        self.clock = FixedClock(now)
        self.store = Store(settings.state_dir, hold_lock=False)
        self.app = App(settings, self.store, self.clock)

    def cycle(self) -> tuple[float, int, int]:
        bytes_before = self.store.bytes_written
        started = time.perf_counter()
        with self.store.writing():
            report = self.app.sync()
        with self.store.writing():
            self.app.evaluate()
        return time.perf_counter() - started, self.store.bytes_written - bytes_before, report.new

    def close(self) -> None:
        self.app.close()
        self.store.close()


def new_message(args, names, accounts, settings, clients, now, results) -> None:
    daemons = {name: Daemonish(settings[name], now) for name in names}
    samples: dict[str, list[tuple[float, int]]] = {n: [] for n in names}
    try:
        for daemon in daemons.values():
            daemon.cycle()  # index built, warm
            daemon.cycle()
        for r in range(max(args.repeat, 5)):
            for n, name in enumerate(names):
                contact = clients[(r + n) % len(clients)].contacts[0]
                when = now - timedelta(minutes=5) + timedelta(seconds=r)
                item = (client_message(r, when, contact), when)
                imap_load.append_many(accounts[name], "INBOX", [item])
                seconds, written, new = daemons[name].cycle()
                if new != 1:
                    raise RuntimeError(f"{name}: expected 1 new message, got {new}")
                samples[name].append((seconds, written))
            sb.log(f"one new message #{r + 1}")
    finally:
        for daemon in daemons.values():
            daemon.close()
    results["new_message"] = {
        name: {
            "bytes": [b for _, b in samples[name]],
            "median_bytes": median([b for _, b in samples[name]]),
            "median_ms": median([s for s, _ in samples[name]]) * 1000,
        }
        for name in names
    }


def daemon_rss(args, work, names, accounts, configs, clients, results) -> None:
    out: dict[str, Any] = {}
    for name in names:
        config = configs[name].with_name(f"config-{name}-daemon.toml")
        config.write_text(
            configs[name].read_text()
            + "\n[schedule]\npoll_seconds = 600\nevaluate_minutes = 0.1\nsend_seconds = 2\n"
        )
        state = configs[name].parent / f"state-{name}"
        health = state / "daemon.json"
        health.unlink(missing_ok=True)
        log_path = work / f"daemon-{name}.log"
        with log_path.open("wb") as log_file:
            proc = subprocess.Popen(
                [sys.executable, "-m", "mailwatch", "--config", str(config), "run"],
                env=sb.cli_env(), stdout=log_file, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:

            def evaluated(health: Path = health) -> bool:
                try:
                    return bool(json.loads(health.read_text()).get("last_evaluate_at"))
                except (OSError, ValueError):
                    return False

            sb.log(f"daemon {name}: starting")
            wait_for(evaluated, 300, "the daemon's first cycles")
            time.sleep(8)  # a few more evaluate and send cycles
            settled = vm(proc.pid, "VmRSS")
            # Other processes change the state under it: an approval (ledger), and new
            # mail stored by a `mailwatch sync` (a month file, sync.json, clients.json).
            for r in range(3):
                ids = pending_drafts(configs[name], work)
                if ids:
                    run_process(["--config", str(configs[name]), "queue", "approve", ids[0]], work)
                contact = clients[r].contacts[0]
                when = datetime.now(UTC) - timedelta(minutes=1)
                item = (owner_message(r, when, contact), when)
                imap_load.append_many(accounts[name], "Sent", [item])
                run_process(["--config", str(configs[name]), "sync"], work)
                time.sleep(5)  # the daemon's send and evaluate jobs take the lock: re-read
            reloaded = vm(proc.pid, "VmRSS")
            out[name] = {
                "settled_kib": settled,
                "after_reloads_kib": reloaded,
                "peak_kib": vm(proc.pid, "VmHWM"),
            }
            sb.log(f"daemon {name}: {settled / 1024:.0f} / {reloaded / 1024:.0f} MiB")
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
    results["daemon_rss"] = out


# =====================================================================================


def print_table(results: dict[str, Any]) -> None:
    mib = 1024 * 1024
    sizes = list(results.get("first_sync", {}))

    def row(label: str, *cells: str) -> None:
        print(f"  {label:<46}" + "".join(f"{c:>12}" for c in cells))

    print(f"\nmailwatch store benchmark {results['when']} — {results['machine']['platform']}")
    print(f"  git {results['git']['commit'][:10]}{' (dirty)' if results['git']['dirty'] else ''}"
          f"; now = {results.get('now')}; median of {results['params']['repeat']}")  # fmt: skip
    load = "/".join(f"{x:.1f}" for x in results["loadavg_start"][:1] + results["loadavg_end"][:1])
    print(f"  load average at start/end: {load}")
    row("", *sizes)
    mb = results.get("mailboxes", {})
    row("messages", *(f"{mb[s]['messages']:,}" for s in sizes))
    st = results.get("state", {})
    if st:
        row(
            "state folder (MiB, without .bak)",
            *(f"{st[s]['total_bytes'] / mib:.1f}" for s in sizes),
        )
        months = [f"{st[s]['month_files']}/{st[s]['month_bytes_median'] / 1024:.0f}" for s in sizes]
        row("  month files / median size (KiB)", *months)
        row("  ledger.json (KiB)", *(f"{st[s]['ledger_bytes'] / 1024:.0f}" for s in sizes))
    fs = results.get("first_sync", {})
    row("first sync in process / bare (<= 1.5)", *(f"{fs[s]['ratio']:.2f}" for s in sizes))
    row("  mailwatch seconds", *(f"{median(fs[s]['mailwatch_seconds']):.2f}" for s in sizes))
    fp = results.get("first_sync_process", {})
    for name, figures in fp.items():
        row(f"`mailwatch sync` first run / bare script, {name}", f"{figures['ratio']:.2f}")
        seconds = (median(figures["mailwatch_seconds"]), median(figures["bare_seconds"]))
        row("  (<= 1.75 at 20k) seconds mailwatch / bare", *(f"{x:.2f}" for x in seconds))
    qs = results.get("quiet_sync_process")
    if qs:
        row(f"quiet `mailwatch sync` {qs['big']} / 200 (<= 1.2)", f"{qs['ratio']:.2f}")
        row("  `mailwatch --help` seconds", f"{qs['help_seconds']:.3f}")
    for key, label in (("status", "`mailwatch status`"), ("queue_approve", "`queue approve`")):
        figures = results.get(key, {})
        if figures:
            row(f"{label} seconds", *(f"{figures[s]['median_seconds']:.3f}" for s in sizes))
            row(f"  ratio to {sizes[0]} (<= 1.5 at 100k)",
                *(f"{figures[s]['median_seconds'] / figures[sizes[0]]['median_seconds']:.2f}"
                  for s in sizes))  # fmt: skip
            row("  bytes written (KiB, write_bytes)",
                *(f"{figures[s]['write_bytes'] / 1024:.0f}" for s in sizes))  # fmt: skip
            row("  peak RSS (MiB)", *(f"{figures[s]['peak_rss_kib'] / 1024:.0f}" for s in sizes))
    nm = results.get("new_message", {})
    if nm:
        row(
            "one new message: bytes written (KiB)",
            *(f"{nm[s]['median_bytes'] / 1024:.0f}" for s in sizes),
        )
        base = nm[sizes[0]]["median_bytes"]
        row(
            f"  ratio to {sizes[0]} (<= 2 at 100k)",
            *(f"{nm[s]['median_bytes'] / base:.2f}" for s in sizes),
        )
        row("  daemon cycle, sync + evaluate (ms)", *(f"{nm[s]['median_ms']:.0f}" for s in sizes))
    dr = results.get("daemon_rss", {})
    if dr:
        row("`mailwatch run` RSS settled (MiB, <= 150)",
            *(f"{dr[s]['settled_kib'] / 1024:.0f}" for s in sizes if s in dr))  # fmt: skip
        row("  after other processes' changes (MiB)",
            *(f"{dr[s]['after_reloads_kib'] / 1024:.0f}" for s in sizes if s in dr))  # fmt: skip
        row("  peak (MiB)", *(f"{dr[s]['peak_kib'] / 1024:.0f}" for s in sizes if s in dr))


if __name__ == "__main__":
    sys.exit(main())
