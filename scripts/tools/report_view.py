"""Open one result of a Snakemake report, for a headless browser check of what it shows.

    python -m scripts.tools.report_view report.html --list
    python -m scripts.tools.report_view report.html --show figures/trex/compare_to_paper.html \
        --out /tmp/view.html
    chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --no-first-run --user-data-dir=$(mktemp -d) \
        --window-size=1400,1000 --virtual-time-budget=10000 --screenshot=/tmp/view.png \
        file:///tmp/view.html

The report is a single-page app that shows a result only after clicks; ``--show`` writes a copy
that opens the given result (a table's HTML page, a figure's PNG) as the report itself would on
a click, and ``--list`` prints the report's categories, subcategories and results.
"""
from __future__ import annotations

import argparse
import json
import re
import sys

RENDER = "root.render(e(App));"
CATEGORIES = re.compile(r"var categories = (\{.*?\});\n", re.S)


def categories(report_html: str) -> dict:
    """The report's {category: {subcategory: [result paths]}}."""
    found = CATEGORIES.search(report_html)
    if not found:
        raise ValueError("no `var categories` in this file: not a Snakemake report?")
    return json.loads(found.group(1))


def open_result(report_html: str, result: str) -> str:
    """A copy of the report that shows ``result`` on load."""
    if RENDER not in report_html:
        raise ValueError("unexpected report layout (no root.render(e(App)))")
    content = "html" if result.endswith(".html") else "img"
    show = (
        "root.render(e(App, {ref: function (app) { if (app && !window.__shown) {"
        " window.__shown = true; setTimeout(function () { app.setView({content: "
        f"{json.dumps(content)}, contentPath: results[{json.dumps(result)}].data_uri,"
        f" resultPath: {json.dumps(result)}}}); }}, 0); }} }}}}));"
    )
    return report_html.replace(RENDER, show, 1)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("report")
    p.add_argument("--list", action="store_true")
    p.add_argument("--show")
    p.add_argument("--out")
    args = p.parse_args(argv)
    with open(args.report, encoding="utf-8", errors="replace") as f:
        text = f.read()
    if args.list:
        for cat, subs in categories(text).items():
            for sub, paths in subs.items():
                for path in paths:
                    print(f"{cat}\t{sub}\t{path}")
    if args.show:
        if not args.out:
            p.error("--show needs --out")
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(open_result(text, args.show))
    return 0


if __name__ == "__main__":
    sys.exit(main())
