"""How many of the rules' lines are spent on `conda:`, `threads:` and `resources:`.

    python -m scripts.tools.rule_lines [rules/*.smk ...]

A rule's lines are the non-blank, non-comment lines from its `rule` (or `checkpoint`) header
to the end of its indented body; a directive's lines are its keyword line and the lines
indented under it. Prints one row per file and the total share.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Dict, Iterable, List, Tuple

OVERHEAD = ("conda", "threads", "resources")
_HEADER = re.compile(r"^(\s*)(rule|checkpoint)\b[^:]*:")
_DIRECTIVE = re.compile(r"^(\s*)([A-Za-z_]+)\s*:")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def count(text: str) -> Tuple[int, Dict[str, int]]:
    """(rule lines, {directive: lines}) of one Snakefile's text, for the OVERHEAD directives."""
    lines = text.splitlines()
    total = 0
    spent = {d: 0 for d in OVERHEAD}
    i = 0
    while i < len(lines):
        m = _HEADER.match(lines[i])
        if not m:
            i += 1
            continue
        rule_indent = len(m.group(1))
        total += 1
        i += 1
        body_indent = None
        current = None  # the directive whose lines are being read, and its indent
        current_indent = 0
        while i < len(lines):
            line = lines[i]
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                i += 1
                continue
            ind = _indent(line)
            if ind <= rule_indent:
                break
            if body_indent is None:
                body_indent = ind
            if ind == body_indent:
                d = _DIRECTIVE.match(line)
                current = d.group(2) if d else None
                current_indent = ind
            elif ind <= current_indent:
                current = None
            total += 1
            if current in spent:
                spent[current] += 1
            i += 1
    return total, spent


def measure(paths: Iterable[Path]) -> List[Tuple[str, int, int]]:
    """[(file, rule lines, conda/threads/resources lines)]."""
    rows = []
    for path in paths:
        total, spent = count(Path(path).read_text())
        rows.append((str(path), total, sum(spent.values())))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args(argv)
    files = args.files or sorted(Path("rules").glob("*.smk"))
    rows = measure(files)
    for name, total, spent in rows:
        share = spent / total if total else 0.0
        print(f"{name}\t{total}\t{spent}\t{share:.1%}")
    total = sum(r[1] for r in rows)
    spent = sum(r[2] for r in rows)
    print(f"all\t{total}\t{spent}\t{spent / total if total else 0.0:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
