"""Copy the latest laptop scorecard (figures/scorecard.md, with its commit, and the date the file
was written) into the README, between the ``<!-- scorecard:begin -->`` and
``<!-- scorecard:end -->`` markers.

    python -m scripts.tools.readme_scorecard [--scorecard figures/scorecard.md] [--readme README.md]
"""
from __future__ import annotations

import argparse
import datetime as _dt
import re
import sys
from pathlib import Path

BEGIN, END = "<!-- scorecard:begin -->", "<!-- scorecard:end -->"


def embed(readme: str, scorecard: str, scale: str = "laptop", built: str = "") -> str:
    """The README with the scorecard's body (its title line dropped, headings demoted) between
    the markers, ``built`` (a date) after its scale; fails when the scorecard is of another
    scale or the markers are missing."""
    m = re.search(r"Scale: \*\*(\w+)\*\*", scorecard)
    if not m or m.group(1) != scale:
        raise ValueError(f"the scorecard is not of scale {scale!r}: build it with "
                         f"`snakemake figures/scorecard.md --config scale={scale}`")
    if BEGIN not in readme or END not in readme:
        raise ValueError(f"the README lacks the markers {BEGIN} ... {END}")
    body = scorecard.split("\n", 1)[1].strip() if scorecard.startswith("# ") else scorecard.strip()
    body = re.sub(r"^## ", "#### ", body, flags=re.M)
    if built:
        body = body.replace(f"Scale: **{scale}**;", f"Scale: **{scale}**; built {built},", 1)
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{body}\n{END}{tail}"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scorecard", default="figures/scorecard.md")
    p.add_argument("--readme", default="README.md")
    p.add_argument("--scale", default="laptop")
    args = p.parse_args(argv)
    readme = Path(args.readme)
    card = Path(args.scorecard)
    built = _dt.datetime.fromtimestamp(card.stat().st_mtime, _dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    readme.write_text(embed(readme.read_text(), card.read_text(), args.scale, built))
    return 0


if __name__ == "__main__":
    sys.exit(main())
