"""Labelled sets for the detectors, and the precision/recall they reach on them.

A set is a TOML file beside this module with one `[[case]]` table per message:

    [[case]]
    id = "en-report-courtesy-01"     # unique, says what the case is about
    lang = "en"                      # "en" or "fr"
    labels = ["ask"]                 # the classes this message belongs to ([] = none)
    note = "why it is hard"          # optional
    subject = "..."                  # optional, for detectors that read it
    text = '''...'''                 # the message's own text (or the whole text)

`score()` runs a detector over every case and returns, per class, the counts and the
precision and recall; `report()` prints them as a table, so that `pytest -s` (and the
suite's `-ra` summary of failures) shows how each detector does on real-looking mail.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent


@dataclass
class ClassScore:
    name: str
    tp: int = 0
    fp: int = 0
    fn: int = 0
    support: int = 0
    false_positives: list[str] = field(default_factory=list)
    false_negatives: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        found = self.tp + self.fp
        return self.tp / found if found else 1.0

    @property
    def recall(self) -> float:
        return self.tp / self.support if self.support else 1.0


def load_cases(name: str) -> list[dict[str, Any]]:
    """The cases of `tests/labelled/<name>.toml`, checked for shape and unique ids."""
    path = HERE / f"{name}.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    cases = data.get("case", [])
    seen: set[str] = set()
    for case in cases:
        missing = {"id", "lang", "labels", "text"} - case.keys()
        assert not missing, f"{path.name}: case {case.get('id')!r} lacks {sorted(missing)}"
        assert case["id"] not in seen, f"{path.name}: duplicate id {case['id']!r}"
        assert case["lang"] in ("en", "fr"), f"{path.name}: {case['id']}: lang must be en or fr"
        seen.add(case["id"])
    return cases


def score(
    cases: Iterable[dict[str, Any]],
    detect: Callable[[dict[str, Any]], Iterable[str]],
    classes: Iterable[str],
) -> dict[str, ClassScore]:
    """Run `detect(case) -> labels found` on every case and count, class by class."""
    scores = {name: ClassScore(name) for name in classes}
    for case in cases:
        found = set(detect(case))
        wanted = set(case["labels"])
        for name, s in scores.items():
            if name in wanted:
                s.support += 1
                if name in found:
                    s.tp += 1
                else:
                    s.fn += 1
                    s.false_negatives.append(case["id"])
            elif name in found:
                s.fp += 1
                s.false_positives.append(case["id"])
    return scores


def report(title: str, scores: dict[str, ClassScore], cases: int) -> str:
    """A small table, printed so that the figures are in the test log."""
    lines = [f"{title}: {cases} labelled messages"]
    lines.append(f"  {'class':<22}{'support':>8}{'precision':>11}{'recall':>8}")
    for s in scores.values():
        lines.append(f"  {s.name:<22}{s.support:>8}{s.precision:>11.3f}{s.recall:>8.3f}")
        if s.false_positives:
            lines.append(f"    false positives: {', '.join(s.false_positives)}")
        if s.false_negatives:
            lines.append(f"    missed: {', '.join(s.false_negatives)}")
    text = "\n".join(lines)
    print("\n" + text)
    return text
