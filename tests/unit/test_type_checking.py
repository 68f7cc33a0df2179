"""./test runs the type checker before pytest, and a type error fails it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_test_script_runs_mypy_before_pytest_and_stops_on_failure() -> None:
    script = (ROOT / "test").read_text()
    assert "set -euo pipefail" in script  # a failing mypy ends the script, with its code
    mypy = script.index("-m mypy mailwatch")
    pytest = script.index("-m pytest")
    assert mypy < pytest
    assert not re.search(r"mypy mailwatch[^\n]*(\|\| *true|; *true)", script)


def test_mypy_is_a_test_dependency_and_the_core_is_strict() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert any(d.startswith("mypy") for d in config["project"]["optional-dependencies"]["test"])
    strict = [
        o for o in config["tool"]["mypy"]["overrides"] if "mailwatch.core.*" in o.get("module", [])
    ]
    assert strict and strict[0]["disallow_untyped_defs"] and strict[0]["warn_return_any"]
    assert "mailwatch.rules.*" in strict[0]["module"]
