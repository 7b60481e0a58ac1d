"""The workflow's Markdown tables and summaries as standalone HTML, for the report.

    python -m scripts.common.md_html --md figures/trex/compare_to_paper.md --out X.html

Covers what scripts/common/tables.py and the papers' summaries write: headings, paragraphs,
bullet lists, pipe tables, **bold**, *emphasis* and `code`. Everything else is escaped text.
"""
from __future__ import annotations

import argparse
import html
import re
import sys
from typing import List

from scripts.common.io import write_text

STYLE = """body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:14px;margin:1em;color:#222}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{background:#f2f2f2}tr:nth-child(even) td{background:#fafafa}code{background:#f4f4f4;padding:0 3px}
h1{font-size:1.3em}h2{font-size:1.15em}h3{font-size:1.05em}"""

_SPLIT = re.compile(r"(?<!\\)\|")


def inline(text: str) -> str:
    """Escape ``text`` and render `code`, **bold** and *emphasis*."""
    out = html.escape(text.replace("\\|", "|"), quote=False)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)
    out = re.sub(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])", r"<em>\1</em>", out)
    return out


def _cells(line: str) -> List[str]:
    parts = _SPLIT.split(line.strip())
    if parts and parts[0] == "":
        parts = parts[1:]
    if parts and parts[-1] == "":
        parts = parts[:-1]
    return [p.strip() for p in parts]


def _is_rule(line: str) -> bool:
    cells = _cells(line)
    return bool(cells) and all(re.fullmatch(r":?-{3,}:?", c) for c in cells)


def to_html(markdown: str, title: str = "") -> str:
    lines = markdown.splitlines()
    body: List[str] = []
    para: List[str] = []
    items: List[str] = []

    def flush() -> None:
        if para:
            body.append("<p>" + inline(" ".join(para)) + "</p>")
            para.clear()
        if items:
            body.append("<ul>" + "".join(f"<li>{inline(i)}</li>" for i in items) + "</ul>")
            items.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("|") and i + 1 < len(lines) and _is_rule(lines[i + 1]):
            flush()
            head = "".join(f"<th>{inline(c)}</th>" for c in _cells(line))
            rows = []
            i += 2
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append("<tr>" + "".join(f"<td>{inline(c)}</td>" for c in _cells(lines[i]))
                            + "</tr>")
                i += 1
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody>"
                        "</table>")
            continue
        heading = re.match(r"^(#{1,6})\s+(.*)$", stripped)
        if heading:
            flush()
            level = len(heading.group(1))
            body.append(f"<h{level}>{inline(heading.group(2))}</h{level}>")
        elif re.match(r"^[-*]\s+", stripped):
            if para:
                flush()
            items.append(re.sub(r"^[-*]\s+", "", stripped))
        elif not stripped:
            flush()
        elif items:  # a continuation line of the last bullet
            items[-1] += " " + stripped
        else:
            para.append(stripped)
        i += 1
    flush()
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>"
            f"{html.escape(title)}</title><style>{STYLE}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--md", required=True)
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    with open(args.md, encoding="utf-8") as f:
        text = f.read()
    write_text(args.out, to_html(text, title=args.md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
