"""`pip install .` / `pipx install .` give a mailwatch whose init and demo work.

The templates and examples live at the top of the project; the wheel must carry them.
This builds the wheel, installs it (no editable install, dependencies from pip's usual
indexes and cache) into a fresh venv, and runs `mailwatch init` and `mailwatch demo`
from that venv in a folder outside the source tree.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import require_dovecot

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str | Path, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MAILWATCH_", "PYTHON", "VIRTUAL_ENV"))
    }
    result = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd
    )
    assert result.returncode == 0, f"{args}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def installed() -> Iterator[tuple[Path, Path]]:
    """(the fresh venv's bin folder, a work folder outside the source tree)."""
    # Under the system temp dir and readable by others: the demo's Dovecot runs its mail
    # processes as nobody when the tests run as root.
    work = Path(tempfile.mkdtemp(prefix="mailwatch-wheel-test-"))
    work.chmod(0o755)
    try:
        wheels = work / "wheels"
        run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheels, ROOT, cwd=work)
        shutil.rmtree(ROOT / "build", ignore_errors=True)  # setuptools' scratch folder
        [wheel] = wheels.glob("mailwatch-*.whl")
        names = zipfile.ZipFile(wheel).namelist()
        for expected in (
            "mailwatch/resources/config.example.toml",
            "mailwatch/resources/examples/client.example.toml",
            "mailwatch/resources/templates/en/follow_up.txt.j2",
            "mailwatch/resources/templates/fr/pause_notice.txt.j2",
        ):
            assert expected in names, expected
        venv = work / "venv"
        run(sys.executable, "-m", "venv", venv, cwd=work)
        pip = venv / "bin" / "pip"
        run(pip, "install", "-q", "--no-deps", wheel, cwd=work)
        dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
            "dependencies"
        ]
        run(pip, "install", "-q", *dependencies, cwd=work)
        yield venv / "bin", work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_the_installed_mailwatch_is_not_the_source_tree(installed) -> None:
    bin_dir, work = installed
    where = run(bin_dir / "python", "-c", "import mailwatch; print(mailwatch.__file__)", cwd=work)
    assert str(bin_dir.parent) in where.stdout and str(ROOT) not in where.stdout


def test_init_from_the_wheel(installed) -> None:
    bin_dir, work = installed
    target = work / "mailwatch-config"
    init = run(bin_dir / "mailwatch", "init", target, cwd=work)
    assert "wrote" in init.stdout
    assert (target / "config.toml").read_text() == (ROOT / "config.example.toml").read_text()
    sample = target / "clients" / "example.toml.sample"
    assert sample.read_text() == (ROOT / "examples" / "client.example.toml").read_text()
    shutil.copyfile(sample, target / "clients" / "acme.toml")
    check = run(
        bin_dir / "mailwatch",
        "--config",
        target / "config.toml",
        "check-config",
        "--offline",
        cwd=work,
    )
    assert "The configuration is valid." in check.stdout


def test_demo_from_the_wheel(installed) -> None:
    require_dovecot()
    bin_dir, work = installed
    demo = run(bin_dir / "mailwatch", "demo", "--keep", work / "demo", cwd=work, timeout=300)
    assert "new drafts waiting for your approval" in demo.stdout  # templates rendered
    assert re.search(r"Sent #\w+ to jane@acme.test", demo.stdout)
