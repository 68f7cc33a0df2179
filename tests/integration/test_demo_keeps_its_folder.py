"""The demo keeps its folder, says where it is and how to remove it, and its hints work."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import require_dovecot


@pytest.fixture
def temp_root() -> Iterator[Path]:
    """A TMPDIR of our own under the system temp dir, which Dovecot's mail processes
    (nobody, when run as root) can reach; pytest's own tmp_path is private."""
    root = Path(tempfile.mkdtemp(prefix="mailwatch-test-demo-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def test_demo_without_keep_leaves_a_folder_its_hints_can_use(temp_root: Path) -> None:
    require_dovecot()
    tmp_path = temp_root
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILWATCH_")}
    env["TMPDIR"] = str(tmp_path)  # where tempfile puts the demo's folder
    env["MAILWATCH_LAUNCHER"] = "./run"
    result = subprocess.run(
        [sys.executable, "-m", "mailwatch", "demo"],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    [folder] = [p for p in tmp_path.iterdir() if p.name.startswith("mailwatch-demo-")]
    config = folder / "config.toml"
    assert config.is_file() and (folder / "state" / "ledger.json").is_file()
    out = result.stdout
    assert f"The demo's files are in {folder}" in out
    assert f"To remove them: rm -r {folder}" in out
    assert f"`./run --config {config} queue list`" in out  # the evaluate report's hint
    assert "== ./run tick: sync, evaluate, send ==" in out
    # Follow the hint it printed.
    listing = subprocess.run(
        [sys.executable, "-m", "mailwatch", "--config", str(config), "queue", "list", "--all"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert listing.returncode == 0, listing.stderr
    assert "sent" in listing.stdout
