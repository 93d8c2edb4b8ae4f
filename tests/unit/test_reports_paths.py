"""Committed docs and reports name no paths of the machine they were written on."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Home directories and this project's scratch places; reports use placeholders (`<build-dir>`)
# or paths relative to the repository instead.
MACHINE_PATH = re.compile(r"(?<![\w.~<])/(?:root|home/\w+|Users/\w+|work|tmp/\w+)/")


def test_docs_name_no_machine_paths() -> None:
    found = []
    for path in sorted((ROOT / "docs").rglob("*")):
        if path.suffix not in (".md", ".json", ".txt", ".csv") or not path.is_file():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if MACHINE_PATH.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    assert found == []
